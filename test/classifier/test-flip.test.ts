import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FACE_PIXELS, FACE_SIZE } from '../../core/image-codec.js';
import { NUM_EXPRESSIONS } from '../../core/expressions.js';
import { initBackend } from '../../trainer/tfjs/backend.js';
import { buildClassifier } from '../../trainer/classifier/cnn.js';
import { predictProbabilities } from '../../trainer/classifier/train.js';
import { disposeNetwork, readWeights } from '../../trainer/networks/network.js';
import { exportOnnx } from '../../trainer/onnx/export-onnx.js';
import { mirrorFaces, openJudge } from '../../trainer/evaluate/onnx-judge.js';
import { assertNoLeak, seededValues } from '../helpers/tensors.js';

const COUNT = 5;
const faces = Uint8Array.from(seededValues(COUNT * FACE_PIXELS, 11), (v) => Math.round((v + 1) * 127.5));
const mirrored = Uint8Array.from(mirrorFaces(Float32Array.from(faces)));
const all = Array.from({ length: COUNT }, (_, i) => i);

test('mirrorFaces reverses each row of each face', () => {
  const face = Float32Array.from({ length: 2 * FACE_PIXELS }, (_, i) => i);
  const out = mirrorFaces(face);
  assert.equal(out[0], FACE_SIZE - 1);
  assert.equal(out[FACE_SIZE - 1], 0);
  assert.equal(out[FACE_PIXELS + FACE_SIZE], FACE_PIXELS + 2 * FACE_SIZE - 1, 'second face, second row');
  assert.deepEqual(mirrorFaces(out), face);
});

test('test-time flip: the mean of the probabilities of each face and of its mirror image, in tfjs and in the ONNX judge', async () => {
  await initBackend('wasm');
  const net = buildClassifier({ architecture: 'study', width: 0.25, dropout: 0 }, 3);
  try {
    const { plain, flipped, averaged } = await assertNoLeak(async () => ({
      plain: predictProbabilities(net, faces, all, 2),
      flipped: predictProbabilities(net, mirrored, all, 2),
      averaged: predictProbabilities(net, faces, all, 2, true),
    }));
    averaged.forEach((p, k) => assert.ok(Math.abs(p - (plain[k]! + flipped[k]!) / 2) < 1e-6, `entry ${k}`));
    assert.ok(averaged.some((p, k) => Math.abs(p - plain[k]!) > 1e-4), 'an untrained net reads a face and its mirror differently');

    const judge = await openJudge(exportOnnx(net.spec, readWeights(net)), { testFlip: true });
    try {
      const judged = await judge.probabilities(faces, COUNT);
      assert.equal(judged.length, COUNT * NUM_EXPRESSIONS);
      judged.forEach((p, k) => assert.ok(Math.abs(p - averaged[k]!) < 1e-4, `judge entry ${k}: ${p} against ${averaged[k]}`));
    } finally {
      await judge.release();
    }
  } finally {
    disposeNetwork(net);
  }
});
