import { createRoute, z } from '@hono/zod-openapi';
import { FACE_PIXELS, MEDIA_TYPES, decodeFace, encodeFace, fromUnitRange, toUnitRange } from '../../core/image-codec.js';
import type { App, AppDeps } from '../context.js';
import { limitBody } from '../middleware/body-limit.js';
import type { KeyVerifier } from '../middleware/auth.js';
import { requireScope } from '../middleware/auth.js';
import { clientLimit } from '../middleware/client-limit.js';
import { Problem } from '../problems.js';
import { modelId } from './ids.js';
import { readImageBody } from './image-body.js';
import { Binary, Expression, OutputFormat, OutputSize, problems } from './schemas.js';

const Query = z.object({
  target: Expression,
  source: Expression.default('neutral'),
  version: z.coerce.number().int().positive().optional().openapi({ description: 'a specific version instead of the champion' }),
  format: OutputFormat,
  size: OutputSize,
});

const TranslateJson = z
  .object({
    image: z.string().openapi({ description: 'the result, base64' }),
    mediaType: z.string(),
    format: z.string(),
    size: z.number().int(),
    source: Expression,
    target: Expression,
    model: z.object({ id: z.string(), version: z.number().int(), sha256: z.string() }),
    requestId: z.string(),
  })
  .openapi('Translation');

const MODEL_HEADERS = {
  'X-Model-Version': { description: 'version number of the model that produced the image', schema: { type: 'integer' as const } },
  'X-Model-Sha256': { description: "sha256 of that model's ONNX artifact", schema: { type: 'string' as const } },
  'X-Request-Id': { description: 'id of this request in the server log', schema: { type: 'string' as const } },
};

export function registerTranslate(app: App, deps: AppDeps, keys: KeyVerifier): void {
  const { settings, engine } = deps;
  const route = createRoute({
    method: 'post',
    path: '/v1/translate',
    tags: ['translate'],
    summary: 'Translate one face',
    description:
      'Decodes the upload (JPEG, PNG or WebP; raw body or multipart field `image`), takes its centred square as a 48x48 grey face, ' +
      'runs the champion (or `version`) of source->target and returns the image. With `Accept: application/json` the image comes base64 in JSON.',
    security: [{ bearer: [] }],
    middleware: [
      requireScope(keys, 'translate', { allowAnonymous: settings.publicTranslate }),
      clientLimit(settings.maxInflightPerClient, deps.metrics),
      limitBody(settings.maxUploadBytes, 'an uploaded image'),
    ] as const,
    request: {
      query: Query,
      body: {
        required: true,
        content: {
          'image/jpeg': { schema: Binary },
          'image/png': { schema: Binary },
          'image/webp': { schema: Binary },
          'application/octet-stream': { schema: Binary },
          'multipart/form-data': { schema: { type: 'object', properties: { image: Binary }, required: ['image'] } },
        },
      },
    },
    responses: {
      200: {
        description: 'the translated face',
        headers: MODEL_HEADERS,
        content: {
          'image/png': { schema: Binary },
          'image/jpeg': { schema: Binary },
          'image/webp': { schema: Binary },
          'application/json': { schema: TranslateJson },
        },
      },
      ...problems(
        'bad-request',
        'unauthenticated',
        'forbidden',
        'not-found',
        'payload-too-large',
        'unsupported-media-type',
        'undecodable-image',
        'too-many-requests',
        'overloaded',
        'timeout',
      ),
    },
  });

  app.openapi(route, async (c) => {
    const query = c.req.valid('query');
    if (query.source === query.target) throw new Problem('bad-request', `source and target are both '${query.source}'`);
    engine.budget.check();
    const bytes = await readImageBody(c.req.raw);
    const { served, output } = await engine.withModel({ source: query.source, target: query.target }, query.version, async (served) => {
      const face = await decodeFace(bytes, { maxPixels: settings.maxImagePixels });
      const input = new Float32Array(FACE_PIXELS);
      toUnitRange(face, input);
      return { served, output: await served.batcher.submit(input, settings.requestTimeoutMs) };
    });
    const image = await encodeFace(fromUnitRange(output), { format: query.format, size: query.size });
    c.header('X-Model-Version', String(served.ref.version));
    c.header('X-Model-Sha256', served.sha256);
    if (c.req.header('accept')?.includes('application/json')) {
      return c.json(
        {
          image: image.toString('base64'),
          mediaType: MEDIA_TYPES[query.format],
          format: query.format,
          size: query.size,
          source: query.source,
          target: query.target,
          model: { id: modelId(served.ref), version: served.ref.version, sha256: served.sha256 },
          requestId: c.get('requestId'),
        },
        200,
      );
    }
    return c.body(new Uint8Array(image), 200, { 'Content-Type': MEDIA_TYPES[query.format] });
  });
}
