/**
 * The registry's failures, as types the HTTP layer maps to status codes (404, 409, 500, 400) and
 * the CLI prints as they are. Each message says what was asked and why it cannot be done.
 */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

/** The state changed under the caller (a stale expected version) or the request clashes with it. */
export class ConflictError extends Error {
  override name = 'ConflictError';
}

/** Stored bytes no longer match their recorded sha256: refuse rather than serve a corrupt model. */
export class IntegrityError extends Error {
  override name = 'IntegrityError';
}

/** Network errors and SQLSTATEs (class 08 connection exceptions, shutdowns, too many connections) that mean "the database cannot answer now". */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', '57P01', '57P02', '57P03', '53300']);
const UNAVAILABLE_MESSAGES = /timeout exceeded when trying to connect|query read timeout|connection terminated|connection timeout|client has encountered a connection error/i;

/** Whether `error` (or an error it wraps, as drizzle's query errors do) says the database is down, hung or unreachable, not that a query is wrong. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
    if (UNAVAILABLE_MESSAGES.test(e.message)) return true;
  }
  return false;
}

/** A model exists but cannot be served now (its artifact is corrupt or will not load): the server's fault, not the request's. */
export class ModelUnavailableError extends Error {
  override name = 'ModelUnavailableError';
}

/** A caller is over a limit on work it may have outstanding: retry when some of it has finished. */
export class QuotaError extends Error {
  override name = 'QuotaError';
}

/** The input itself is wrong, whatever the database holds. */
export class ValidationError extends Error {
  override name = 'ValidationError';
}
