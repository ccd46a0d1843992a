import { HTTPException } from 'hono/http-exception';
import { NoFaceError } from '../core/faces/pipeline.js';
import { UndecodableImageError, UnsupportedImageError } from '../core/image-codec.js';
import { ConflictError, IntegrityError, ModelUnavailableError, NotFoundError, QuotaError, ValidationError, isDatabaseUnavailable } from '../db/errors.js';

/** Seconds a client is asked to wait when the database is unavailable: long enough for a restart or failover to begin. */
const DATABASE_RETRY_AFTER_S = 5;

/**
 * RFC 9457 problem types. Each `type` is a relative URI into /docs, which lists them, so a client
 * that sees an unfamiliar problem can look it up on the server that sent it.
 */
export const PROBLEM_TYPES = {
  'bad-request': { status: 400, title: 'The request is malformed or its parameters are invalid' },
  unauthenticated: { status: 401, title: 'A valid API key is required' },
  forbidden: { status: 403, title: 'The API key lacks the scope this operation needs' },
  'not-found': { status: 404, title: 'No such resource' },
  conflict: { status: 409, title: 'The request conflicts with the current state' },
  'request-timeout': { status: 408, title: 'The request was not received in time' },
  'payload-too-large': { status: 413, title: 'The upload exceeds a size or count limit' },
  'not-acceptable': { status: 406, title: 'The answer asked for cannot be given in the accepted media type' },
  'unsupported-media-type': { status: 415, title: 'The body is not a media type this operation accepts' },
  'undecodable-image': { status: 422, title: 'The image cannot be decoded or exceeds the pixel limit' },
  'no-face': { status: 422, title: 'No face was found in the image' },
  'headers-too-large': { status: 431, title: 'The request line or headers are too large' },
  // nginx's code: no one reads the answer, but logs and metrics should not call it a server error.
  'client-closed-request': { status: 499, title: 'The client closed the connection before the answer' },
  'too-many-requests': { status: 429, title: 'This client has too many requests in flight' },
  overloaded: { status: 503, title: 'The server is at capacity; retry after the indicated delay' },
  'not-ready': { status: 503, title: 'The server is not ready to serve yet' },
  'model-unavailable': { status: 503, title: 'The model exists but cannot be served now' },
  'database-unavailable': { status: 503, title: 'The database is unavailable; retry after the indicated delay' },
  timeout: { status: 504, title: 'The request did not complete within the time limit' },
  internal: { status: 500, title: 'Internal server error' },
} as const;

export type ProblemType = keyof typeof PROBLEM_TYPES;

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  requestId?: string;
  errors?: Array<{ path: string; message: string }>;
}

/** An error that knows its HTTP answer; route code throws these and the one onError renders them. */
export class Problem extends Error {
  override name = 'Problem';
  readonly status: number;

  constructor(
    readonly type: ProblemType,
    detail: string,
    readonly extra: { headers?: Record<string, string>; errors?: ProblemBody['errors'] } = {},
  ) {
    super(detail);
    this.status = PROBLEM_TYPES[type].status;
  }
}

/** Maps any thrown value to a Problem: typed domain errors by kind, anything unknown to a 500. */
export function toProblem(error: unknown): Problem {
  if (error instanceof Problem) return error;
  if (error instanceof NotFoundError) return new Problem('not-found', error.message);
  if (error instanceof ConflictError) return new Problem('conflict', error.message);
  if (error instanceof ValidationError) return new Problem('bad-request', error.message);
  if (error instanceof QuotaError) return new Problem('too-many-requests', error.message, { headers: { 'Retry-After': '30' } });
  if (error instanceof UnsupportedImageError) return new Problem('unsupported-media-type', error.message);
  if (error instanceof UndecodableImageError) return new Problem('undecodable-image', error.message);
  if (error instanceof NoFaceError) return new Problem('no-face', error.message);
  if (error instanceof HTTPException) return fromHttpException(error);
  // A corrupt or unloadable artifact: retrying later may meet a repaired or re-promoted model.
  if (error instanceof IntegrityError || error instanceof ModelUnavailableError) return new Problem('model-unavailable', error.message, { headers: { 'Retry-After': '60' } });
  if (isDatabaseUnavailable(error)) {
    return new Problem('database-unavailable', 'the registry database does not answer; the server keeps retrying it', { headers: { 'Retry-After': String(DATABASE_RETRY_AFTER_S) } });
  }
  return new Problem('internal', 'an unexpected error occurred; the request id identifies it in the server log');
}

function fromHttpException(error: HTTPException): Problem {
  const byStatus = Object.entries(PROBLEM_TYPES).find(([, info]) => info.status === error.status);
  return new Problem((byStatus?.[0] as ProblemType | undefined) ?? 'internal', error.message || PROBLEM_TYPES.internal.title);
}

export function problemBody(problem: Problem, requestId: string | undefined, instance: string): ProblemBody {
  return {
    type: `/docs#problem-${problem.type}`,
    title: PROBLEM_TYPES[problem.type].title,
    status: problem.status,
    detail: problem.message,
    instance,
    ...(requestId ? { requestId } : {}),
    ...(problem.extra.errors ? { errors: problem.extra.errors } : {}),
  };
}
