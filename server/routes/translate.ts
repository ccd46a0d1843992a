import { createRoute, z } from '@hono/zod-openapi';
import { type AlignedFace, pasteTranslations } from '../../core/faces/pipeline.js';
import { encodePhoto } from '../../core/faces/photo.js';
import { FACE_OPTIONS } from '../../core/faces/face-options.js';
import { readUploadFaces } from '../../core/faces/upload.js';
import { FACE_PIXELS, FACE_SIZE, MEDIA_TYPES, encodeFace, fromUnitRange, toUnitRange } from '../../core/image-codec.js';
import type { App, AppDeps } from '../context.js';
import type { ServedModel } from '../inference/engine.js';
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
  faces: z
    .enum(FACE_OPTIONS)
    .default('largest')
    .openapi({
      description:
        `which faces of a photo to translate: the largest, or all (the largest FACEAUG_MAX_FACES); none takes the centred square as it is. ` +
        `A ${FACE_SIZE}x${FACE_SIZE} image is taken as an aligned face whatever this says.`,
    }),
  mode: z
    .enum(['crop', 'paste'])
    .default('crop')
    .openapi({ description: 'crop: the translated aligned face (`size` applies); paste: the whole photo at its own size with each translated face blended back in, in colour' }),
});

const Face = z
  .object({
    box: z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() }).openapi({ description: "the detector's box, in the upright photo's pixels" }),
    score: z.number().openapi({ description: "the detector's confidence, 0..1" }),
    landmarks: z.array(z.tuple([z.number(), z.number()])).openapi({ description: 'the 68 iBUG landmarks [x, y]' }),
    image: z.string().openapi({ description: 'this face translated (aligned crop in `format` and `size`), base64' }),
  })
  .openapi('Face');

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
    faces: z.array(Face).optional().openapi({ description: 'the faces found, largest first; absent when no detection ran (a 48x48 input, or faces=none)' }),
  })
  .openapi('Translation');

const MODEL_HEADERS = {
  'X-Faces': { description: 'faces found and translated (absent when no detection ran)', schema: { type: 'integer' as const } },
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
      'Decodes the upload (JPEG, PNG or WebP; raw body or multipart field `image`), finds its faces (SSD and 68 landmarks), aligns each to ' +
      "FER2013's framing as a 48x48 grey face, runs the champion (or `version`) of source->target and returns the translated face (mode=crop) " +
      'or the photo with the faces blended back (mode=paste). A 48x48 upload, or faces=none, skips detection and takes the centred square. ' +
      'A photo without a face is a 422 `no-face` problem. With `Accept: application/json` the image comes base64 in JSON, with each face\'s box, landmarks and score.',
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
        'no-face',
        'not-acceptable',
        'too-many-requests',
        'overloaded',
        'timeout',
      ),
    },
  });

  app.openapi(route, async (c) => {
    const query = c.req.valid('query');
    if (query.source === query.target) throw new Problem('bad-request', `source and target are both '${query.source}'`);
    const json = c.req.header('accept')?.includes('application/json') ?? false;
    if (query.faces === 'all' && query.mode === 'crop' && !json) {
      throw new Problem('not-acceptable', 'faces=all in crop mode answers several images: send Accept: application/json, or use mode=paste');
    }
    engine.budget.check();
    const bytes = await readImageBody(c.req.raw);
    const translate = (served: ServedModel, face: Uint8Array) => {
      const input = new Float32Array(FACE_PIXELS);
      toUnitRange(face, input);
      return served.batcher.submit(input, settings.requestTimeoutMs).then((output) => fromUnitRange(output));
    };
    const { served, image, faces } = await engine.withModel({ source: query.source, target: query.target }, query.version, async (served) => {
      const upload = await readUploadFaces(deps.faces, bytes, query.faces, { maxPixels: settings.maxImagePixels });
      if (upload.kind === 'face') {
        return { served, image: await encodeFace(await translate(served, upload.pixels), { format: query.format, size: query.size }), faces: undefined };
      }
      const { photo, faces: found } = upload;
      const translated = await Promise.all(found.map((face) => translate(served, face.pixels)));
      const crops = await Promise.all(translated.map((pixels) => encodeFace(pixels, { format: query.format, size: query.size })));
      const image = query.mode === 'paste' ? await encodePhoto(pasteTranslations(photo, found.map((face, i) => ({ face, translated: translated[i]! }))), query.format) : crops[0]!;
      return { served, image, faces: found.map((face, i) => describeFace(face, crops[i]!)) };
    });
    c.header('X-Model-Version', String(served.ref.version));
    c.header('X-Model-Sha256', served.sha256);
    if (faces) c.header('X-Faces', String(faces.length));
    if (json) {
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
          ...(faces ? { faces } : {}),
        },
        200,
      );
    }
    return c.body(new Uint8Array(image), 200, { 'Content-Type': MEDIA_TYPES[query.format] });
  });
}

function describeFace(face: AlignedFace, image: Buffer) {
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    box: { x: round(face.box.x), y: round(face.box.y), width: round(face.box.width), height: round(face.box.height) },
    score: Math.round(face.score * 1000) / 1000,
    landmarks: face.landmarks.map((p) => [round(p.x), round(p.y)] as [number, number]),
    image: image.toString('base64'),
  };
}
