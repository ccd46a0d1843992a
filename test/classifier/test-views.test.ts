import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FACE_PIXELS, FACE_SIZE } from '../../core/image-codec.js';
import { NUM_EXPRESSIONS } from '../../core/expressions.js';
import { initBackend } from '../../trainer/tfjs/backend.js';
import { buildClassifier } from '../../trainer/classifier/cnn.js';
import { predictProbabilities } from '../../trainer/classifier/train.js';
import { testViews, viewFaces } from '../../trainer/classifier/test-views.js';
import { disposeNetwork, readWeights } from '../../trainer/networks/network.js';
import { exportOnnx } from '../../trainer/onnx/export-onnx.js';
import { openJudge } from '../../trainer/evaluate/onnx-judge.js';
import { assertNoLeak, seededValues } from '../helpers/tensors.js';

const COUNT = 5;
const faces = Uint8Array.from(seededValues(COUNT * FACE_PIXELS, 11), (v) => Math.round((v + 1) * 127.5));
const all = Array.from({ length: COUNT }, (_, i) => i);
const at = (x: number, y: number, face = 0) => face * FACE_PIXELS + y * FACE_SIZE + x;

test('viewFaces mirrors each row of each face, and moves faces repeating the border', () => {
  const two = Float32Array.from({ length: 2 * FACE_PIXELS }, (_, i) => i);
  const mirrored = viewFaces(two, { mirror: true, dx: 0, dy: 0 });
  assert.equal(mirrored[0], FACE_SIZE - 1);
  assert.equal(mirrored[FACE_SIZE - 1], 0);
  assert.equal(mirrored[FACE_PIXELS + FACE_SIZE], FACE_PIXELS + 2 * FACE_SIZE - 1, 'second face, second row');
  assert.deepEqual(viewFaces(mirrored, { mirror: true, dx: 0, dy: 0 }), two);

  const right = viewFaces(two, { mirror: false, dx: 2, dy: 0 });
  assert.deepEqual([right[at(0, 3)], right[at(1, 3)], right[at(2, 3)], right[at(47, 3)]], [two[at(0, 3)], two[at(0, 3)], two[at(0, 3)], two[at(45, 3)]]);
  const up = viewFaces(two, { mirror: false, dx: 0, dy: -1 });
  assert.deepEqual([up[at(5, 0, 1)], up[at(5, 47, 1)]], [two[at(5, 1, 1)], two[at(5, 47, 1)]], 'second face: rows move up, the last repeats');
  assert.equal(viewFaces(two, { mirror: false, dx: 0, dy: 0 }), two, 'the face as it is is not copied');
});

test('testViews: the face itself first, then its mirror image and moves of the shift each way', () => {
  assert.deepEqual(testViews({ testFlip: false, testShift: 0 }), [{ mirror: false, dx: 0, dy: 0 }]);
  assert.deepEqual(testViews({ testFlip: true, testShift: 0 }), [{ mirror: false, dx: 0, dy: 0 }, { mirror: true, dx: 0, dy: 0 }]);
  const moved = testViews({ testFlip: false, testShift: 2 });
  assert.deepEqual(moved.map(({ dx, dy }) => [dx, dy]), [[0, 0], [2, 0], [-2, 0], [0, 2], [0, -2]]);
  const both = testViews({ testFlip: true, testShift: 1 });
  assert.equal(both.length, 10);
  assert.equal(new Set(both.map((v) => JSON.stringify(v))).size, 10);
});

test('test-time views: the mean of the probabilities of every view, in tfjs and in the ONNX judge', async () => {
  await initBackend('wasm');
  const net = buildClassifier({ architecture: 'study', width: 0.25, dropout: 0 }, 3);
  const viewed = (view: Parameters<typeof viewFaces>[1]) => Uint8Array.from(viewFaces(Float32Array.from(faces), view));
  try {
    for (const augmentation of [{ testFlip: true, testShift: 0 }, { testFlip: true, testShift: 2 }, { testFlip: false, testShift: 1 }]) {
      const { each, averaged } = await assertNoLeak(async () => ({
        each: testViews(augmentation).map((view) => predictProbabilities(net, viewed(view), all, 2)),
        averaged: predictProbabilities(net, faces, all, 2, augmentation),
      }));
      const name = JSON.stringify(augmentation);
      averaged.forEach((p, k) => assert.ok(Math.abs(p - each.reduce((sum, probabilities) => sum + probabilities[k]!, 0) / each.length) < 1e-6, `${name} entry ${k}`));
      assert.ok(averaged.some((p, k) => Math.abs(p - each[0]![k]!) > 1e-4), `${name}: an untrained net reads the views differently`);

      const judge = await openJudge(exportOnnx(net.spec, readWeights(net)), augmentation);
      try {
        const judged = await judge.probabilities(faces, COUNT);
        assert.equal(judged.length, COUNT * NUM_EXPRESSIONS);
        judged.forEach((p, k) => assert.ok(Math.abs(p - averaged[k]!) < 1e-4, `${name} judge entry ${k}: ${p} against ${averaged[k]}`));
      } finally {
        await judge.release();
      }
    }
  } finally {
    disposeNetwork(net);
  }
});
