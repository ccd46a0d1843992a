import { createRoute, z } from '@hono/zod-openapi';
import { getChampions, listModelVersions } from '../../db/registry.js';
import { MODEL_STATUSES } from '../../db/schema/index.js';
import type { App, AppDeps } from '../context.js';
import { type KeyVerifier, requireScope } from '../middleware/auth.js';
import { modelId } from './ids.js';
import { Expression, problems } from './schemas.js';

const Translator = z
  .object({
    id: z.string().openapi({ description: 'the translator, as `/v1/models` names it', example: 'neutral-to-disgust' }),
    source: Expression,
    target: Expression,
    champion: z.object({
      id: z.string().openapi({ example: 'neutral-to-disgust-v2' }),
      version: z.number().int(),
      status: z.enum(MODEL_STATUSES).openapi({ description: "the validation's outcome: accepted, rejected, or candidate when not validated" }),
      verdict: z.string().nullable().openapi({ description: 'the validation verdict in words, when the version carries one' }),
    }),
  })
  .openapi('Translator');

/**
 * `GET /v1/translators`: what a translate caller may ask for, and how far to trust each answer.
 * Open to the same callers as translation: without it a client could only learn the targets by
 * trying each one, and the registry listing needs the admin scope.
 */
export function registerTranslators(app: App, deps: AppDeps, keys: KeyVerifier): void {
  const db = deps.handle.db;
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/translators',
      tags: ['translate'],
      summary: 'The translators with a champion, each with its version and validation verdict',
      security: [{ bearer: [] }],
      middleware: [requireScope(keys, 'translate', { allowAnonymous: deps.settings.publicTranslate })] as const,
      responses: {
        200: { description: 'by source and target', content: { 'application/json': { schema: z.array(Translator) } } },
        ...problems('unauthenticated', 'forbidden'),
      },
    }),
    async (c) => {
      // Champions first: a version is registered before it can be promoted, so every one is in the listing that follows.
      const champions = await getChampions(db);
      const versions = await listModelVersions(db);
      const translators = champions.map(({ source, target, version: number }) => {
        const version = versions.find((v) => v.source === source && v.target === target && v.version === number)!;
        const verdict = version.metrics.verdict;
        return {
          id: modelId({ source, target }),
          source,
          target,
          champion: { id: modelId(version), version: number, status: version.status, verdict: typeof verdict === 'string' ? verdict : null },
        };
      });
      return c.json(translators, 200);
    },
  );
}
