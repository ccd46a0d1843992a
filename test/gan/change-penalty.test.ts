import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../../trainer/tfjs/tf.js';
import { initBackend } from '../../trainer/tfjs/backend.js';
import { CycleGan } from '../../trainer/gan/cyclegan.js';
import { forward } from '../../trainer/networks/network.js';
import { tinyCycleGan } from '../helpers/tiny-gan.js';
import { assertNoLeak, seededValues } from '../helpers/tensors.js';

const context = { rank: 0, size: 1, allReduceMean: (v: Float32Array) => v };
const controls = { learningRate: 1e-3, noiseSigma: 0, updateMinorityDiscriminator: true, seed: 5 };

test('the change penalty is the L1 distance of both translations to their inputs, and only its weight enters the generator loss', async () => {
  await initBackend('wasm');
  await assertNoLeak(() => {
    const step = (lambdaChange: number) => {
      const gan = new CycleGan(tinyCycleGan({ lambdaChange }));
      const a = tf.tensor4d(seededValues(2 * 256, 1), [2, 16, 16, 1]);
      const b = tf.tensor4d(seededValues(2 * 256, 2), [2, 16, 16, 1]);
      try {
        // Instance norm only: the forward before the step is the one the step's loss sees.
        const expected = tf.tidy(() => {
          const toB = tf.mean(tf.abs(tf.sub(forward(gan.gAB, a, { training: false }), a)));
          const toA = tf.mean(tf.abs(tf.sub(forward(gan.gBA, b, { training: false }), b)));
          return tf.add(toB, toA).dataSync()[0]!;
        });
        return { losses: gan.step(a, b, controls, context), expected };
      } finally {
        tf.dispose([a, b]);
        gan.dispose();
      }
    };
    const without = step(0);
    const withPenalty = step(2);
    assert.equal(without.losses.change, 0);
    assert.ok(Math.abs(withPenalty.losses.change - withPenalty.expected) < 1e-5, `${withPenalty.losses.change} vs ${withPenalty.expected}`);
    const added = withPenalty.losses.generator - without.losses.generator;
    assert.ok(Math.abs(added - 2 * withPenalty.expected) < 1e-4, `the generator loss grew by ${added}, not 2 x ${withPenalty.expected}`);
  });
});
