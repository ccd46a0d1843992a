import assert from 'node:assert/strict';
import sharp from 'sharp';
import { FACE_PIXELS, FACE_SIZE, decodeFace, fromUnitRange, toUnitRange } from '../../core/image-codec.js';
import * as ort from 'onnxruntime-node';
import { NEUTRAL_DISGUST, bearer, faceImage, onnxGenerator, registerChampion, serverTest } from './harness.js';

/** What the server should answer: the same generator run directly by onnxruntime on the same decoded face. */
async function expectedFace(upload: Buffer, seed: number): Promise<Uint8Array> {
  const session = await ort.InferenceSession.create(await onnxGenerator(seed));
  const input = new Float32Array(FACE_PIXELS);
  toUnitRange(await decodeFace(upload, { maxPixels: 1 << 24 }), input);
  const out = await session.run({ input: new ort.Tensor('float32', input, [1, 1, FACE_SIZE, FACE_SIZE]) });
  await session.release();
  return fromUnitRange(out.output!.data as Float32Array);
}

serverTest('translate round trip with a registered ONNX generator', {}, async ({ url, db, server, translateKey }) => {
  const champion = await registerChampion(db, NEUTRAL_DISGUST, 1);
  await server.engine.refresh();
  const upload = await faceImage(3);

  const response = await fetch(`${url}/v1/translate?target=disgust`, { method: 'POST', headers: { ...bearer(translateKey), 'Content-Type': 'image/png' }, body: new Uint8Array(upload) });
  assert.equal(response.status, 200, await response.clone().text());
  assert.equal(response.headers.get('content-type'), 'image/png');
  assert.equal(response.headers.get('x-model-version'), String(champion.version));
  assert.equal(response.headers.get('x-model-sha256'), champion.artifacts[0]!.sha256);
  assert.match(response.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  const png = Buffer.from(await response.arrayBuffer());
  const meta = await sharp(png).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height, meta.channels], ['png', 48, 48, 1], 'a true single-channel PNG');
  const data = await sharp(png).toColourspace('b-w').raw().toBuffer();
  assert.deepEqual(new Uint8Array(data), await expectedFace(upload, 1));

  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(await faceImage(3, { format: 'jpeg' }))], { type: 'image/jpeg' }), 'face.jpg');
  const json = await fetch(`${url}/v1/translate?target=disgust&format=jpeg&size=96`, { method: 'POST', headers: { ...bearer(translateKey), Accept: 'application/json' }, body: form });
  assert.equal(json.status, 200);
  const body = (await json.json()) as { image: string; mediaType: string; size: number; model: { id: string; version: number }; requestId: string };
  assert.equal(body.mediaType, 'image/jpeg');
  assert.deepEqual(body.model.id, 'neutral-to-disgust-v1');
  assert.equal(body.requestId, json.headers.get('x-request-id'));
  const jpeg = await sharp(Buffer.from(body.image, 'base64')).metadata();
  assert.deepEqual([jpeg.format, jpeg.width, jpeg.height, jpeg.channels], ['jpeg', 96, 96, 1]);
});
