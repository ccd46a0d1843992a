import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DetectorPool } from '../../core/faces/detector-pool.js';
import { MIN_FACE_SCORE } from '../../core/faces/pipeline.js';
import { decodePhoto } from '../../core/faces/photo.js';

const DEMO = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo');

test('two detector threads, each holding its own networks, find in parallel exactly the faces one thread finds', async () => {
  const photos = await Promise.all(['sample1.jpg', 'sample2.jpg', 'sample3.jpg', 'sample4.jpg'].map(async (name) => decodePhoto(await readFile(join(DEMO, name)))));
  const one = await DetectorPool.start(1, MIN_FACE_SCORE);
  const two = await DetectorPool.start(2, MIN_FACE_SCORE);
  try {
    assert.equal(two.threads, 2);
    const modelTensors = await one.tensorCount();
    assert.ok(modelTensors > 0);
    assert.equal(await two.tensorCount(), 2 * modelTensors, 'each thread loads both networks');

    const alone = [];
    for (const p of photos) alone.push(await one.detect(p.data, p.width, p.height));
    const together = await Promise.all(photos.map((p) => two.detect(p.data, p.width, p.height)));
    assert.ok(alone.every((faces) => faces.length > 0));
    assert.deepEqual(together, alone);
    assert.equal(await two.tensorCount(), 2 * modelTensors, 'no tensors left behind on either thread');
  } finally {
    await Promise.all([one.close(), two.close()]);
  }
});

test('a pool needs at least one thread', async () => {
  await assert.rejects(DetectorPool.start(0, MIN_FACE_SCORE), RangeError);
});
