import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../../trainer/tfjs/tf.js';
import { initBackend } from '../../trainer/tfjs/backend.js';
import { gradientWithOps, instanceNorm, INSTANCE_NORM_EPSILON, normalizeWithOps } from '../../trainer/networks/instance-norm.js';
import { INSTANCE_NORM, INSTANCE_NORM_GRAD } from '../../trainer/tfjs/kernels/custom-kernel-names.js';
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
  // wasm runs faceaug's fused kernels, cpu (like tfjs-node) the tfjs ops.
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

test('instance norm: the fused wasm kernels agree with the tfjs-op path (used on tfjs-node)', async () => {
  await initBackend('wasm');
  assert.ok(tf.getKernel(INSTANCE_NORM, 'wasm') && tf.getKernel(INSTANCE_NORM_GRAD, 'wasm'), 'fused kernels registered');
  const shape: [number, number, number, number] = [2, 6, 4, 3];
  await assertNoLeak(() =>
    tf.tidy(() => {
      const x = tf.tensor4d(seededValues(2 * 6 * 4 * 3, 5), shape);
      const dy = tf.tensor4d(seededValues(2 * 6 * 4 * 3, 6), shape);
      const [yFused, rFused] = tf.engine().runKernel(INSTANCE_NORM, { x }, { epsilon: INSTANCE_NORM_EPSILON }) as tf.Tensor4D[];
      const [yOps, rOps] = normalizeWithOps(x);
      assert.deepEqual(rFused!.shape, [2, 1, 1, 3]);
      assert.ok(relativeError(yOps.dataSync(), yFused!.dataSync()) < 1e-5);
      assert.ok(relativeError(rOps.dataSync(), rFused!.dataSync()) < 1e-5);
      const dxFused = tf.engine().runKernel(INSTANCE_NORM_GRAD, { dy, y: yFused!, rstd: rFused! }) as tf.Tensor;
      assert.ok(relativeError(gradientWithOps(dy, yFused!, rFused!).dataSync(), dxFused.dataSync()) < 1e-5);
    }),
  );
});

test('instance norm: second-order gradients (a WGAN-GP penalty) agree between the fused kernels and tfjs ops', async () => {
  await initBackend('wasm');
  const shape: [number, number, number, number] = [2, 5, 4, 3];
  const x = tf.tensor4d(seededValues(2 * 5 * 4 * 3, 7), shape);
  const w = tf.tensor4d(seededValues(2 * 5 * 4 * 3, 8), shape);
  const scale = tf.scalar(1.3);
  // A critic with one weight s and an instance norm; the penalty ||d critic / d x||^2 depends on
  // s through all three inputs of the fused gradient kernel (dy, y and rstd).
  const penaltyGradient = () =>
    tf.tidy(() => {
      const penalty = (s: tf.Tensor) => {
        const critic = (v: tf.Tensor) => tf.sum(tf.mul(tf.square(instanceNorm(tf.mul(v, s) as tf.Tensor4D)), w));
        return tf.sum(tf.square(tf.grad(critic)(x)));
      };
      return tf.grad(penalty)(scale).dataSync()[0]!;
    });
  await tf.setBackend('cpu');
  const expected = penaltyGradient();
  await tf.setBackend('wasm');
  const actual = await assertNoLeak(penaltyGradient);
  assert.ok(Number.isFinite(expected) && Math.abs(expected) > 1e-3, `reference second-order gradient ${expected} is not trivial`);
  assert.ok(Math.abs(actual - expected) <= 1e-3 * Math.abs(expected), `fused ${actual} vs ops ${expected}`);
  tf.dispose([x, w, scale]);
});
