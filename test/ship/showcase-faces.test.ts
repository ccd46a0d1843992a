import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { decodePhoto } from '../../core/faces/photo.js';
import { FacePipeline } from '../../core/faces/pipeline.js';
import { FACE_PIXELS, toUnitRange } from '../../core/image-codec.js';
import { neutralDemoFaces, showcaseFacesFromDemoPhotos } from '../../trainer/ship/showcase-faces.js';

const DEMO = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo');

test('showcase faces: the demo faces face-api reads as neutral first, most neutral first, aligned by the face pipeline, the same every time', async () => {
  const all = await neutralDemoFaces(1000);
  assert.ok(all.length >= 20, `${all.length} faces in the six demo photos`);
  const neutral = all.filter((f) => f.readNeutral);
  assert.ok(neutral.length >= 1, 'some demo face reads as neutral');
  assert.ok(neutral.length < all.length, 'and some does not (the demo subjects mostly smile)');
  assert.deepEqual(all.slice(0, neutral.length), neutral, 'neutral-read faces come first');
  for (let i = 1; i < all.length; i++) {
    if (all[i]!.readNeutral === all[i - 1]!.readNeutral) assert.ok(all[i]!.neutral <= all[i - 1]!.neutral, `face ${i} is less neutral than face ${i - 1}`);
  }
  for (const face of neutral) assert.ok(face.neutral >= 1 / 7);

  // The most neutral face is exactly the pipeline's aligned crop of it (FER2013's framing, as served).
  const top = all[0]!;
  const pipeline = new FacePipeline({ maxFaces: 8 });
  try {
    const aligned = await pipeline.align(await decodePhoto(await readFile(join(DEMO, top.photo))), 'all');
    assert.deepEqual(aligned[top.face]!.pixels, top.pixels);
  } finally {
    await pipeline.close();
  }

  // What packaging draws: the first eight, in [-1, 1], chosen again from scratch.
  const grid = await showcaseFacesFromDemoPhotos(8);
  const expected = new Float32Array(8 * FACE_PIXELS);
  all.slice(0, 8).forEach((face, i) => toUnitRange(face.pixels, expected, i * FACE_PIXELS));
  assert.deepEqual(grid, expected);
});
