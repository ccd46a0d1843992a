import { z } from '@hono/zod-openapi';
import { EXPRESSIONS } from '../../core/expressions.js';
import { FACE_OPTIONS } from '../../core/faces/face-options.js';
import { FACE_SIZE, OUTPUT_FORMATS } from '../../core/image-codec.js';
import { MODEL_STATUSES } from '../../db/schema/index.js';
import { PROBLEM_TYPES, type ProblemType } from '../problems.js';

/** Zod schemas shared by several routes: each is the validator, the TypeScript type and the OpenAPI doc. */
export const Expression = z.enum(EXPRESSIONS).openapi('Expression', { description: "an expression name in FER2013's label order", example: 'disgust' });

export const OutputFormat = z.enum(OUTPUT_FORMATS).default('png').openapi({ description: 'encoding of the result image' });

export const OutputSize = z.coerce
  .number()
  .int()
  .min(FACE_SIZE)
  .max(1024)
  .default(FACE_SIZE)
  .openapi({ description: `side of the square result in pixels; the ${FACE_SIZE}x${FACE_SIZE} output is upscaled (Lanczos) when larger`, example: FACE_SIZE });

export const Problem = z
  .object({
    type: z.string().openapi({ example: '/docs#problem-not-found' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem', { description: 'RFC 9457 problem details' });

/** The problem responses a route can give, for its OpenAPI entry. */
export function problems(...types: ProblemType[]) {
  const responses: Record<number, { description: string; content: { 'application/problem+json': { schema: typeof Problem } } }> = {};
  for (const type of types) {
    const { status, title } = PROBLEM_TYPES[type];
    const previous = responses[status]?.description;
    responses[status] = { description: previous ? `${previous}; ${title}` : title, content: { 'application/problem+json': { schema: Problem } } };
  }
  return responses;
}

export const Binary = { type: 'string', format: 'binary' } as const;

export const ModelVersion = z
  .object({
    id: z.string().openapi({ description: 'the path id of this version', example: 'neutral-to-disgust-v3' }),
    source: Expression,
    target: Expression,
    version: z.number().int(),
    status: z.enum(MODEL_STATUSES),
    aliases: z.array(z.string()),
    runId: z.number().int().nullable(),
    metrics: z.record(z.string(), z.unknown()),
    report: z.string().nullable(),
    artifacts: z.array(z.object({ kind: z.string(), sha256: z.string(), sizeBytes: z.number().int(), uri: z.string().nullable() })),
    createdAt: z.string(),
    statusChangedAt: z.string(),
  })
  .openapi('ModelVersion');

export const AliasEvent = z
  .object({
    id: z.number().int(),
    source: Expression,
    target: Expression,
    alias: z.string(),
    action: z.enum(['promote', 'rollback']),
    fromVersion: z.number().int().nullable(),
    toVersion: z.number().int(),
    actor: z.string(),
    reason: z.string().nullable(),
    forced: z.boolean(),
    createdAt: z.string(),
  })
  .openapi('AliasEvent');

export const Job = z
  .object({
    id: z.string().uuid(),
    status: z.enum(['queued', 'running', 'completed']),
    source: Expression,
    targets: z.array(Expression),
    copies: z.number().int(),
    seed: z.number().int(),
    format: z.enum(OUTPUT_FORMATS),
    size: z.number().int(),
    faces: z.enum(FACE_OPTIONS),
    models: z.record(z.string(), z.object({ version: z.number().int(), sha256: z.string() })),
    inputCount: z.number().int(),
    itemCount: z.number().int().openapi({ description: 'outputs planned; with faces=all it grows as further faces are found' }),
    counts: z.object({ pending: z.number().int(), running: z.number().int(), done: z.number().int(), failed: z.number().int() }),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
    links: z.object({ self: z.string(), result: z.string() }),
  })
  .openapi('Job');
