import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../../trainer/tfjs/tf.js';
import { initBackend } from '../../trainer/tfjs/backend.js';
import { mirrorSource } from '../../trainer/tfjs/mirror-pad-gradient.js';
import { assertNoLeak, relativeError, seededValues } from '../helpers/tensors.js';

/**
 * Reference adjoint from first principles: mirrorPad is linear, so d/dx[i] of sum(w * pad(x)) is
 * sum(w * pad(e_i)) for the one-hot e_i, using only tfjs's (correct) forward op.
 */
function referenceGradient(shape: number[], paddings: Array<[number, number]>, mode: 'reflect' | 'symmetric', w: tf.Tensor) {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const oneHot = new Float32Array(size);
    oneHot[i] = 1;
    out[i] = tf.tidy(() => tf.sum(tf.mul(tf.mirrorPad(tf.tensor(oneHot, shape), paddings, mode), w)).dataSync()[0]!);
  }
  return out;
}

test('mirrorSource maps padded indices back to the source', () => {
  // reflect of [a b c d] by 2: c b | a b c d | c b
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => mirrorSource(i, 2, 4, 'reflect')), [2, 1, 0, 1, 2, 3, 2, 1]);
  // symmetric: b a | a b c d | d c
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => mirrorSource(i, 2, 4, 'symmetric')), [1, 0, 0, 1, 2, 3, 3, 2]);
});

test('MirrorPad gradient folds the mirrored border back (wasm kernel and tfjs-op paths)', async (t) => {
  await initBackend('wasm');
  const cases: Array<{ shape: number[]; paddings: Array<[number, number]>; mode: 'reflect' | 'symmetric' }> = [
    { shape: [2, 5, 4, 3], paddings: [[0, 0], [3, 3], [1, 2], [0, 0]], mode: 'reflect' },
    { shape: [1, 4, 6, 2], paddings: [[0, 0], [2, 1], [3, 3], [0, 0]], mode: 'symmetric' },
    // Padding the channel axis takes the tfjs-op path even on wasm.
    { shape: [1, 3, 3, 4], paddings: [[0, 0], [1, 1], [1, 1], [2, 1]], mode: 'reflect' },
  ];
  for (const [i, c] of cases.entries()) {
    await t.test(`${c.mode} ${JSON.stringify(c.paddings)}`, async () => {
      for (const backend of ['wasm', 'cpu']) {
        await tf.setBackend(backend);
        const x = tf.tensor(seededValues(c.shape.reduce((a, b) => a * b, 1), i), c.shape);
        const padded = c.shape.map((d, axis) => d + c.paddings[axis]![0] + c.paddings[axis]![1]);
        const w = tf.tensor(seededValues(padded.reduce((a, b) => a * b, 1), 50 + i), padded);
        const expected = referenceGradient(c.shape, c.paddings, c.mode, w);
        const actual = await assertNoLeak(() =>
          tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.mirrorPad(v, c.paddings, c.mode), w)))(x).dataSync().slice()),
        );
        assert.ok(relativeError(actual, expected) < 1e-6, `${backend}: gradient differs from the reference`);
        tf.dispose([x, w]);
      }
      await tf.setBackend('wasm');
    });
  }
});
