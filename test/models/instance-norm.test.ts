import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../../trainer/runtime/tf.js';
import { initBackend } from '../../trainer/runtime/backend.js';
import {
  gradientOnHost,
  gradientWithOps,
  instanceNorm,
  INSTANCE_NORM_EPSILON,
  normalizeOnHost,
  normalizeWithOps,
} from '../../trainer/models/instance-norm.js';
import { assertNoLeak, relativeError, seededValues } from '../helpers/tensors.js';

/** Instance norm written plainly with tf.moments; its autodiff is the reference gradient. */
function plainInstanceNorm(x: tf.Tensor4D): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [1, 2], true);
  return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, INSTANCE_NORM_EPSILON)));
}

test('instance norm: value and gradient match autodiff of the plain formula', async () => {
  await initBackend('wasm');
  const shape: [number, number, number, number] = [3, 7, 5, 4];
  const x = tf.tensor4d(seededValues(3 * 7 * 5 * 4, 1), shape);
  const w = tf.tensor4d(seededValues(3 * 7 * 5 * 4, 2), shape);
  const loss = (norm: (v: tf.Tensor4D) => tf.Tensor4D) => (v: tf.Tensor) => tf.sum(tf.mul(norm(v as tf.Tensor4D), w));
  // 'cpu' also keeps tensors in host memory; 'tensorflow' would take the op path, exercised below.
  for (const backend of ['wasm', 'cpu']) {
    await tf.setBackend(backend);
    await assertNoLeak(() => {
      tf.tidy(() => {
        const value = instanceNorm(x).dataSync();
        const expected = plainInstanceNorm(x).dataSync();
        assert.ok(relativeError(value, expected) < 1e-5, `${backend}: value`);
        const grad = tf.grad(loss(instanceNorm))(x).dataSync();
        const expectedGrad = tf.grad(loss(plainInstanceNorm))(x).dataSync();
        assert.ok(relativeError(grad, expectedGrad) < 1e-4, `${backend}: gradient`);
        // Each normalised map has zero mean and unit variance.
        const { mean, variance } = tf.moments(instanceNorm(x), [1, 2]);
        assert.ok(Math.max(...tf.abs(mean).dataSync()) < 1e-5);
        assert.ok(Math.max(...tf.abs(tf.sub(variance, 1)).dataSync()) < 1e-3);
      });
    });
  }
  await tf.setBackend('wasm');
  tf.dispose([x, w]);
});

test('instance norm: the tfjs-op path (used on tfjs-node) agrees with the host-memory path', async () => {
  await initBackend('wasm');
  const shape: [number, number, number, number] = [2, 6, 4, 3];
  await assertNoLeak(() =>
    tf.tidy(() => {
      const x = tf.tensor4d(seededValues(2 * 6 * 4 * 3, 5), shape);
      const dy = tf.tensor4d(seededValues(2 * 6 * 4 * 3, 6), shape);
      const [yHost, rHost] = normalizeOnHost(x);
      const [yOps, rOps] = normalizeWithOps(x);
      assert.ok(relativeError(yOps.dataSync(), yHost.dataSync()) < 1e-5);
      assert.ok(relativeError(rOps.dataSync(), rHost.dataSync()) < 1e-5);
      assert.ok(relativeError(gradientWithOps(dy, yHost, rHost).dataSync(), gradientOnHost(dy, yHost, rHost).dataSync()) < 1e-5);
    }),
  );
});
