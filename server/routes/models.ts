import { createRoute, z } from '@hono/zod-openapi';
import {
  type AliasEvent as AliasEventRecord,
  type ModelVersion as ModelVersionRecord,
  archive,
  getChampion,
  getModelVersion,
  history,
  listModelVersions,
  previewRollback,
  promote,
  rollback,
} from '../../db/registry.js';
import { ARTIFACT_KINDS, type ArtifactKind, MODEL_STATUSES } from '../../db/schema/index.js';
import { NotFoundError } from '../../db/errors.js';
import type { App, AppDeps } from '../context.js';
import { type KeyVerifier, requireScope } from '../middleware/auth.js';
import { limitBody } from '../middleware/body-limit.js';
import { modelId, parseModelId, parseVersionId } from './ids.js';
import { AliasEvent, Binary, Expression, ModelVersion, problems } from './schemas.js';

const Id = z.object({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, description: '`<source>-to-<target>` (a translator) or `<source>-to-<target>-v<N>` (a version)', example: 'neutral-to-disgust-v2' }),
});

const ArtifactParams = Id.extend({
  kind: z.enum(ARTIFACT_KINDS).openapi({ param: { name: 'kind', in: 'path' }, description: 'which stored artifact', example: 'sample-grid' }),
});

const PNG = { mediaType: 'image/png', extension: 'png' };
const ARTIFACT_FILES: Record<ArtifactKind, { mediaType: string; extension: string }> = {
  onnx: { mediaType: 'application/octet-stream', extension: 'onnx' },
  tfjs: { mediaType: 'application/octet-stream', extension: 'bin' },
  'sample-grid': PNG,
  'loss-plot': PNG,
  'precision-chart': PNG,
  'auc-chart': PNG,
};

const MoveBody = z
  .object({
    reason: z.string().min(1).optional(),
    force: z.string().min(1).optional().openapi({ description: 'allow a version that is not accepted; this reason goes to the audit log' }),
  })
  .openapi('MoveRequest');

const RollbackPreview = z
  .object({
    fromVersion: z.number().int().positive().nullable().openapi({ description: 'the champion now (null: there is none)' }),
    toVersion: z.number().int().positive().nullable().openapi({ description: 'the champion it replaced, which a rollback would restore (null: none)' }),
    blocker: z.string().nullable().openapi({ description: 'why a rollback would be refused now, as its problem would say; null when it would go ahead', example: null }),
  })
  .openapi('RollbackPreview');

const PromoteBody = MoveBody.extend({
  expectedVersion: z.number().int().positive().nullable().openapi({ description: 'the champion you mean to replace (null: there is none); a stale value gives 409 and changes nothing' }),
}).openapi('PromoteRequest');

function presentVersion(version: ModelVersionRecord) {
  return {
    id: modelId(version),
    source: version.source,
    target: version.target,
    version: version.version,
    status: version.status,
    aliases: version.aliases,
    runId: version.runId,
    metrics: version.metrics,
    report: version.report,
    artifacts: version.artifacts,
    createdAt: version.createdAt.toISOString(),
    statusChangedAt: version.statusChangedAt.toISOString(),
  };
}

const presentEvent = (event: AliasEventRecord) => ({ ...event, createdAt: event.createdAt.toISOString() });

/** The largest JSON body an admin route reads. */
const ADMIN_BODY_BYTES = 64 * 1024;

export function registerModels(app: App, deps: AppDeps, keys: KeyVerifier): void {
  const db = deps.handle.db;
  const admin = requireScope(keys, 'admin');
  const actor = (c: { get(key: 'apiKey'): { name: string; prefix: string } | undefined }) => {
    const key = c.get('apiKey')!;
    return `api key ${key.name} (${key.prefix})`;
  };
  const denied = problems('unauthenticated', 'forbidden');
  // Reasons and version numbers fit in far less; an unbounded body would be read into memory whole.
  const jsonBody = limitBody(ADMIN_BODY_BYTES, 'an admin request body');

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/models',
      tags: ['models'],
      summary: 'List model versions',
      security: [{ bearer: [] }],
      middleware: [admin] as const,
      request: { query: z.object({ source: Expression.optional(), target: Expression.optional(), status: z.enum(MODEL_STATUSES).optional() }) },
      responses: { 200: { description: 'versions by translator and number', content: { 'application/json': { schema: z.array(ModelVersion) } } }, ...problems('bad-request'), ...denied },
    }),
    async (c) => c.json((await listModelVersions(db, c.req.valid('query'))).map(presentVersion), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/models/{id}',
      tags: ['models'],
      summary: 'One version, or a translator with its champion and versions',
      security: [{ bearer: [] }],
      middleware: [admin] as const,
      request: { params: Id },
      responses: {
        200: {
          description: 'the version, or the translator',
          content: {
            'application/json': {
              schema: z.union([ModelVersion, z.object({ id: z.string(), source: Expression, target: Expression, champion: z.number().int().nullable(), versions: z.array(ModelVersion) })]),
            },
          },
        },
        ...problems('bad-request', 'not-found'),
        ...denied,
      },
    }),
    async (c) => {
      const ref = parseModelId(c.req.valid('param').id);
      const versions = await listModelVersions(db, { source: ref.source, target: ref.target });
      if (ref.version !== undefined) {
        const version = versions.find((v) => v.version === ref.version);
        if (!version) throw new NotFoundError(`model version ${modelId(ref)} does not exist`);
        return c.json(presentVersion(version), 200);
      }
      if (versions.length === 0) throw new NotFoundError(`translator ${modelId(ref)} has no versions`);
      const champion = await getChampion(db, ref);
      return c.json({ id: modelId(ref), source: ref.source, target: ref.target, champion: champion?.version ?? null, versions: versions.map(presentVersion) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/models/{id}/artifacts/{kind}',
      tags: ['models'],
      summary: "One of a version's stored artifacts: its ONNX file, sample grid, loss plot or a validation chart",
      description: 'The bytes are checked against the registered sha256 before they are sent. A version never changes its artifacts, so the answer may be cached for good.',
      security: [{ bearer: [] }],
      middleware: [admin] as const,
      request: { params: ArtifactParams },
      responses: {
        200: {
          description: 'the artifact',
          headers: { 'X-Artifact-Sha256': { description: 'sha256 of the bytes, as registered', schema: { type: 'string' as const } } },
          content: { 'image/png': { schema: Binary }, 'application/octet-stream': { schema: Binary } },
        },
        ...problems('bad-request', 'not-found', 'model-unavailable'),
        ...denied,
      },
    }),
    async (c) => {
      const { id, kind } = c.req.valid('param');
      const ref = parseVersionId(id);
      const [artifact] = (await getModelVersion(db, ref, { kinds: [kind] })).verified;
      if (!artifact) throw new NotFoundError(`model version ${modelId(ref)} has no ${kind} artifact`);
      return c.body(new Uint8Array(artifact.bytes), 200, {
        'Content-Type': ARTIFACT_FILES[kind].mediaType,
        'Content-Disposition': `inline; filename="${modelId(ref)}-${kind}.${ARTIFACT_FILES[kind].extension}"`,
        'Cache-Control': 'private, max-age=31536000, immutable',
        'X-Artifact-Sha256': artifact.sha256,
      });
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/models/{id}/promote',
      tags: ['models'],
      summary: 'Make a version the champion, if the champion is still the one expected',
      description: 'Every server instance serves the new champion within one champion poll (FACEAUG_CHAMPION_POLL_MS).',
      security: [{ bearer: [] }],
      middleware: [admin, jsonBody] as const,
      request: { params: Id, body: { required: true, content: { 'application/json': { schema: PromoteBody } } } },
      responses: {
        200: { description: 'the audit event of the move', content: { 'application/json': { schema: AliasEvent } } },
        ...problems('bad-request', 'not-found', 'conflict', 'payload-too-large', 'unsupported-media-type'),
        ...denied,
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const event = await promote(db, {
        ...parseVersionId(c.req.valid('param').id),
        expectedVersion: body.expectedVersion,
        actor: actor(c),
        reason: body.reason,
        force: body.force === undefined ? undefined : { reason: body.force },
      });
      await deps.engine.refresh();
      return c.json(presentEvent(event), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/models/{id}/rollback',
      tags: ['models'],
      summary: "Move the translator's champion back to the version it replaced",
      security: [{ bearer: [] }],
      middleware: [admin, jsonBody] as const,
      request: { params: Id, body: { required: false, content: { 'application/json': { schema: MoveBody } } } },
      responses: {
        200: { description: 'the audit event of the move', content: { 'application/json': { schema: AliasEvent } } },
        ...problems('bad-request', 'not-found', 'conflict', 'payload-too-large'),
        ...denied,
      },
    }),
    async (c) => {
      const { source, target } = parseModelId(c.req.valid('param').id);
      const body = c.req.valid('json');
      const event = await rollback(db, { source, target, actor: actor(c), reason: body.reason, force: body.force === undefined ? undefined : { reason: body.force } });
      await deps.engine.refresh();
      return c.json(presentEvent(event), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/models/{id}/rollback',
      tags: ['models'],
      summary: 'What a rollback would do now, without doing it',
      description: 'Answers 200 either way, with the reason a rollback would be refused (no champion, or no earlier one), so a client offers the move only when it can succeed.',
      security: [{ bearer: [] }],
      middleware: [admin] as const,
      request: { params: Id },
      responses: {
        200: { description: 'the versions a rollback would move between, or why it would not', content: { 'application/json': { schema: RollbackPreview } } },
        ...problems('bad-request'),
        ...denied,
      },
    }),
    async (c) => {
      const { source, target } = parseModelId(c.req.valid('param').id);
      return c.json(await previewRollback(db, { source, target }), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/models/{id}/archive',
      tags: ['models'],
      summary: 'Retire a version (not the champion)',
      security: [{ bearer: [] }],
      middleware: [admin] as const,
      request: { params: Id },
      responses: {
        200: { description: 'the archived version', content: { 'application/json': { schema: ModelVersion } } },
        ...problems('bad-request', 'not-found', 'conflict'),
        ...denied,
      },
    }),
    async (c) => c.json(presentVersion(await archive(db, parseVersionId(c.req.valid('param').id))), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/models/{id}/history',
      tags: ['models'],
      summary: "The translator's champion audit log, oldest first",
      security: [{ bearer: [] }],
      middleware: [admin] as const,
      request: { params: Id },
      responses: { 200: { description: 'alias moves', content: { 'application/json': { schema: z.array(AliasEvent) } } }, ...problems('bad-request'), ...denied },
    }),
    async (c) => {
      const { source, target } = parseModelId(c.req.valid('param').id);
      return c.json((await history(db, { source, target })).map(presentEvent), 200);
    },
  );
}
