import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../../trainer/tfjs/tf.js';
import { initBackend } from '../../trainer/tfjs/backend.js';
import { gradientPenalty, l1Loss, lsganLoss, wganCriticLoss, wganGeneratorLoss } from '../../trainer/gan/losses.js';
import { assertNoLeak } from '../helpers/tensors.js';

const value = (t: tf.Tensor) => t.dataSync()[0]!;

test('LSGAN, L1 and WGAN losses match hand-computed values', async () => {
  await initBackend('wasm');
  await assertNoLeak(() =>
    tf.tidy(() => {
      const prediction = tf.tensor([0.5, -1, 2, 0]);
      // ((0.5-1)^2 + (-1-1)^2 + (2-1)^2 + (0-1)^2) / 4 = (0.25 + 4 + 1 + 1) / 4
      assert.ok(Math.abs(value(lsganLoss(prediction, 1)) - 1.5625) < 1e-6);
      // Per-sample targets (smoothed and flipped labels): (0.5-0.9)^2, (-1-0)^2, (2-0.9)^2, (0-0)^2
      const targets = tf.tensor([0.9, 0, 0.9, 0]);
      assert.ok(Math.abs(value(lsganLoss(prediction, targets)) - (0.16 + 1 + 1.21 + 0) / 4) < 1e-6);
      // |1-0.5| + |2-4| + |-3+3| = 0.5 + 2 + 0 over 3
      assert.ok(Math.abs(value(l1Loss(tf.tensor([1, 2, -3]), tf.tensor([0.5, 4, -3]))) - 2.5 / 3) < 1e-6);
      // mean(fake) - mean(real) = 1 - 3
      assert.ok(Math.abs(value(wganCriticLoss(tf.tensor([2, 4]), tf.tensor([0, 2]))) + 2) < 1e-6);
      assert.ok(Math.abs(value(wganGeneratorLoss(tf.tensor([0, 2]))) + 1) < 1e-6);
    }),
  );
});

test('gradient penalty of a linear critic is (||w|| - 1)^2, wherever it is evaluated', async () => {
  await initBackend('wasm');
  await assertNoLeak(() =>
    tf.tidy(() => {
      // D(x) = sum(w * x) has dD/dx = w for every sample: ||w|| = sqrt(9 + 16) = 5, penalty 16.
      const w = tf.tensor4d([3, 4, 0, 0], [1, 2, 2, 1]);
      const critic = (x: tf.Tensor4D) => tf.sum(tf.mul(x, w), [1, 2, 3]);
      const real = tf.randomNormal([3, 2, 2, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
      const fake = tf.randomNormal([3, 2, 2, 1], 0, 1, 'float32', 2) as tf.Tensor4D;
      assert.ok(Math.abs(value(gradientPenalty(critic, real, fake, tf.tensor1d([0, 0.3, 1]))) - 16) < 1e-4);
      // D(x) = sum(x^2)/2 has dD/dx = x: at e=1 the mixture is `real`, so the penalty is mean((||real_i|| - 1)^2).
      const quadratic = (x: tf.Tensor4D) => tf.div(tf.sum(tf.square(x), [1, 2, 3]), 2);
      const norms = tf.sqrt(tf.sum(tf.square(real), [1, 2, 3])).dataSync();
      const expected = Array.from(norms).reduce((s, n) => s + (n - 1) ** 2, 0) / 3;
      assert.ok(Math.abs(value(gradientPenalty(quadratic, real, fake, tf.tensor1d([1, 1, 1]))) - expected) < 1e-4);
    }),
  );
});

test('the gradient penalty is differentiable with respect to the critic (second order)', async () => {
  await initBackend('wasm');
  await assertNoLeak(() =>
    tf.tidy(() => {
      // Critic c * sum(leakyRelu(x)): penalty (c*||g|| - 1)^2 with g the leakyRelu slopes, so its
      // derivative in c is 2 (c||g|| - 1) ||g||.
      const c = tf.variable(tf.scalar(0.7));
      const x = tf.tensor4d([1, -2, 3, -4], [1, 2, 2, 1]);
      const critic = (v: tf.Tensor4D) => tf.mul(c, tf.sum(tf.leakyRelu(v, 0.2), [1, 2, 3]));
      const { grads } = tf.variableGrads(() => gradientPenalty(critic, x, x, tf.tensor1d([0.5])), [c]);
      const slopeNorm = Math.sqrt(1 + 0.04 + 1 + 0.04);
      const expected = 2 * (0.7 * slopeNorm - 1) * slopeNorm;
      assert.ok(Math.abs(value(grads[c.name]!) - expected) < 1e-4);
      c.dispose();
    }),
  );
});
