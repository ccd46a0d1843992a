import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { createRoute, z } from '@hono/zod-openapi';
import { EXPRESSIONS, type Expression as ExpressionName, isExpression } from '../../core/expressions.js';
import { FACE_OPTIONS } from '../../core/faces/face-options.js';
import { FACE_SIZE } from '../../core/image-codec.js';
import { type Job as JobRecord, type JobModels, createJob, deleteJob, getJob } from '../../db/jobs.js';
import type { App, AppDeps } from '../context.js';
import { type KeyVerifier, requireScope } from '../middleware/auth.js';
import { uploadLimit } from '../middleware/upload-limit.js';
import { Problem } from '../problems.js';
import { RESULT_FORMATS, resultArchive } from '../jobs/result-archive.js';
import { receiveJobUpload } from '../jobs/uploads.js';
import { Binary, Expression, Job, OutputFormat, OutputSize, problems } from './schemas.js';

const MAX_COPIES = 100;

const Targets = z
  .string()
  .transform((raw, ctx) => {
    const names = [...new Set(raw.split(',').map((name) => name.trim().toLowerCase()).filter(Boolean))];
    const unknown = names.filter((name) => !isExpression(name));
    if (names.length === 0 || unknown.length > 0) {
      ctx.addIssue({ code: 'custom', message: `targets must be a comma-separated list of ${EXPRESSIONS.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}` });
      return z.NEVER;
    }
    return names as ExpressionName[];
  })
  .openapi({ type: 'string', description: 'comma-separated target expressions', example: 'disgust,surprise' });

const CreateQuery = z.object({
  targets: Targets,
  source: Expression.default('neutral'),
  copies: z.coerce.number().int().min(1).max(MAX_COPIES).default(1).openapi({ description: 'outputs per image and target; copy 0 is the image as uploaded, later copies are seeded variations of it' }),
  seed: z.coerce.number().int().min(0).max(0xffffffff).optional().openapi({ description: 'makes the outputs reproducible (default: random, reported in the job)' }),
  format: OutputFormat,
  size: OutputSize,
  faces: z
    .enum(FACE_OPTIONS)
    .default('largest')
    .openapi({
      description:
        `which faces of each photo to translate, as /v1/translate does: the largest (an image without a face fails with a no-face error), ` +
        `or all (the largest FACEAUG_MAX_FACES, one output each), or none (the centred square, no detection). ` +
        `A ${FACE_SIZE}x${FACE_SIZE} image is taken as an aligned face whatever this says, so a data set of crops is translated as before.`,
    }),
});

const JobId = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: '0b6f3c1e-8d1f-4c51-9a41-2f1e8f0f7d9a' }) });

function present(job: JobRecord) {
  return {
    ...job,
    createdAt: job.createdAt.toISOString(),
    finishedAt: job.finishedAt?.toISOString() ?? null,
    links: { self: `/v1/jobs/${job.id}`, result: `/v1/jobs/${job.id}/result` },
  };
}

export function registerJobs(app: App, deps: AppDeps, keys: KeyVerifier): void {
  const { settings, engine, handle } = deps;
  const auth = requireScope(keys, 'translate', { allowAnonymous: settings.publicTranslate });
  // A job is its submitter's: other translate keys get 404 for it, admin keys see every job.
  const viewer = (c: { get(key: 'apiKey'): { id: number; scopes: readonly string[] } | undefined }) => {
    const key = c.get('apiKey');
    return { apiKeyId: key?.id ?? null, admin: key?.scopes.includes('admin') ?? false };
  };

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/jobs',
      tags: ['jobs'],
      summary: 'Submit a bulk translation job',
      description:
        'A zip or tar of images, or multipart/form-data with any number of `image` fields. Every image is translated to every target ' +
        '`copies` times by the champions at submission time (pinned for the whole job). Photos are searched for faces (`faces`); with faces=all ' +
        "each further face found adds an output, and the job's itemCount grows as they are found. Processed by workers; poll the job, then fetch its result. " +
        'A server receives at most FACEAUG_MAX_CONCURRENT_UPLOADS uploads at once; past that it answers 503 with Retry-After.',
      security: [{ bearer: [] }],
      middleware: [auth, uploadLimit(settings.maxConcurrentUploads, deps.metrics)] as const,
      request: {
        query: CreateQuery,
        body: {
          required: true,
          content: {
            'application/zip': { schema: Binary },
            'application/x-tar': { schema: Binary },
            'multipart/form-data': { schema: { type: 'object', properties: { image: { type: 'array', items: Binary } } } },
          },
        },
      },
      responses: {
        202: { description: 'accepted; `Location` names the job', content: { 'application/json': { schema: Job } } },
        ...problems('bad-request', 'unauthenticated', 'forbidden', 'not-found', 'payload-too-large', 'unsupported-media-type', 'too-many-requests', 'overloaded'),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      if (query.targets.includes(query.source)) throw new Problem('bad-request', `target '${query.source}' is the source expression`);
      const models: JobModels = {};
      for (const target of query.targets) {
        const served = await engine.resolve({ source: query.source, target });
        models[target] = { version: served.ref.version, sha256: served.sha256 };
      }
      const upload = await receiveJobUpload(c.req.raw, join(settings.dataDir, 'uploads'), {
        maxImages: settings.maxJobImages,
        maxBytes: settings.maxJobBytes,
        maxImageBytes: settings.maxUploadBytes,
      });
      let job: JobRecord;
      try {
        const { inputs } = upload;
        const items = inputs.length * query.targets.length * query.copies;
        // With faces=all a photo may add up to FACEAUG_MAX_FACES - 1 outputs once its faces are
        // found: the bound holds for the most a job can grow to, not only for what it plans.
        const facesPerImage = query.faces === 'all' ? settings.maxFaces : 1;
        if (items * facesPerImage > settings.maxJobItems) {
          const faces = facesPerImage > 1 ? ` x up to ${facesPerImage} faces (faces=all) is up to` : ' is';
          throw new Problem(
            'payload-too-large',
            `${inputs.length} images x ${query.targets.length} targets x ${query.copies} copies${faces} ${items * facesPerImage} outputs; a job may have at most ${settings.maxJobItems}`,
          );
        }
        job = await createJob(handle.db, {
          source: query.source,
          targets: query.targets,
          copies: query.copies,
          seed: query.seed ?? randomInt(0, 0xffffffff),
          format: query.format,
          size: query.size,
          faces: query.faces,
          models,
          inputs,
          apiKeyId: c.get('apiKey')?.id ?? null,
        }, { maxItemsInFlight: settings.maxJobItemsPerKey, leaseMs: settings.jobLeaseMs });
      } finally {
        await upload.close();
      }
      deps.log.info('job accepted', { requestId: c.get('requestId'), job: job.id, inputs: job.inputCount, items: job.itemCount });
      c.header('Location', `/v1/jobs/${job.id}`);
      return c.json(present(job), 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/jobs/{id}',
      tags: ['jobs'],
      summary: 'Status and progress counts of a job',
      security: [{ bearer: [] }],
      middleware: [auth] as const,
      request: { params: JobId },
      responses: {
        200: { description: 'the job', content: { 'application/json': { schema: Job } } },
        ...problems('unauthenticated', 'forbidden', 'not-found'),
      },
    }),
    async (c) => c.json(present(await getJob(handle.db, c.req.valid('param').id, viewer(c))), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/jobs/{id}/result',
      tags: ['jobs'],
      summary: 'Download the outputs of a completed job',
      description:
        'A zip (default) or tar with `<target>/<index>-<name>-<copy>.<ext>` outputs (`<index>-<name>-f<face>-<copy>` with faces=all), ' +
        '`manifest.jsonl` (one line per output: source file and output names and sha256, face index and box (null where no detection ran), ' +
        'target, copy, model version and artifact sha256, seeds) and `summary.json` (per-target counts, failures). Streamed.',
      security: [{ bearer: [] }],
      middleware: [auth] as const,
      request: { params: JobId, query: z.object({ format: z.enum(RESULT_FORMATS).default('zip') }) },
      responses: {
        200: { description: 'the archive', content: { 'application/zip': { schema: Binary }, 'application/x-tar': { schema: Binary } } },
        ...problems('bad-request', 'unauthenticated', 'forbidden', 'not-found', 'conflict'),
      },
    }),
    async (c) => {
      const job = await getJob(handle.db, c.req.valid('param').id, viewer(c));
      if (job.status !== 'completed') {
        throw new Problem('conflict', `job ${job.id} is ${job.status} (${job.counts.done + job.counts.failed} of ${job.itemCount} items finished); fetch the result when it is completed`);
      }
      const format = c.req.valid('query').format;
      return c.body(resultArchive(handle.db, job, format), 200, {
        'Content-Type': format === 'zip' ? 'application/zip' : 'application/x-tar',
        'Content-Disposition': `attachment; filename="faceaug-job-${job.id}.${format}"`,
      });
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/jobs/{id}',
      tags: ['jobs'],
      summary: 'Delete a job with its uploaded images and outputs',
      description: 'Unfinished items are dropped; a worker holding some has its results refused. Finished jobs are also deleted by themselves after FACEAUG_JOB_RETENTION_MS.',
      security: [{ bearer: [] }],
      middleware: [auth] as const,
      request: { params: JobId },
      responses: {
        204: { description: 'deleted' },
        ...problems('unauthenticated', 'forbidden', 'not-found'),
      },
    }),
    async (c) => {
      await deleteJob(handle.db, c.req.valid('param').id, viewer(c));
      return c.body(null, 204);
    },
  );
}
