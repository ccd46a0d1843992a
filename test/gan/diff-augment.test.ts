import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../../trainer/tfjs/tf.js';
import { initBackend } from '../../trainer/tfjs/backend.js';
import { diffAugment } from '../../trainer/gan/diff-augment.js';
import { CycleGan, type CycleGanConfig } from '../../trainer/gan/cyclegan.js';
import { tinyCycleGan } from '../helpers/tiny-gan.js';
import { assertNoLeak, seededValues } from '../helpers/tensors.js';

/** A random source that replays `values`, so each draw of an augmentation is chosen by the test. */
const replay = (...values: number[]) => () => {
  const next = values.shift();
  if (next === undefined) throw new Error('the augmentation drew more values than the test expected');
  return next;
};

/** One 8x8 image whose pixel (r, c) holds 8r + c + 1 (no zeros, so zero fill is visible). */
const ramp = () => tf.tensor4d(Array.from({ length: 64 }, (_, i) => i + 1), [1, 8, 8, 1]);
const at = (values: ArrayLike<number>, r: number, c: number) => values[8 * r + c]!;

test('translation shifts by up to 1/8 of the side and fills with zeros', async () => {
  await initBackend('wasm');
  await assertNoLeak(() =>
    tf.tidy(() => {
      // 1/8 of 8 is 1: draw 0 is a shift of -1 (rows up), draw 0.99 one of +1 (columns right).
      const y = diffAugment(ramp(), ['translation'], replay(0, 0.99)).dataSync();
      for (let r = 0; r < 8; r++) {
        for (let c = 0; c < 8; c++) {
          const expected = r + 1 < 8 && c - 1 >= 0 ? 8 * (r + 1) + (c - 1) + 1 : 0;
          assert.equal(at(y, r, c), expected, `pixel (${r}, ${c})`);
        }
      }
    }),
  );
});

test('cutout zeroes one square of half the side around the drawn centre', async () => {
  await initBackend('wasm');
  await assertNoLeak(() =>
    tf.tidy(() => {
      // Centre (4, 4), side 4: rows and columns 2..5.
      const y = diffAugment(ramp(), ['cutout'], replay(0.5, 0.5)).dataSync();
      for (let r = 0; r < 8; r++) {
        for (let c = 0; c < 8; c++) {
          const inside = r >= 2 && r <= 5 && c >= 2 && c <= 5;
          assert.equal(at(y, r, c), inside ? 0 : 8 * r + c + 1, `pixel (${r}, ${c})`);
        }
      }
    }),
  );
});

test('color: brightness, then contrast around each image mean', async () => {
  await initBackend('wasm');
  await assertNoLeak(() =>
    tf.tidy(() => {
      const x = tf.tensor4d([0, 1, 2, 3], [1, 2, 2, 1]);
      // Brightness draw 0.75 adds 0.25 (mean 1.75); contrast draw 1.0 scales by 1.5 around it.
      const y = diffAugment(x, ['color'], replay(0.75, 1.0)).dataSync();
      const expected = [0.25, 1.25, 2.25, 3.25].map((v) => (v - 1.75) * 1.5 + 1.75);
      expected.forEach((v, i) => assert.ok(Math.abs(y[i]! - v) < 1e-6, `pixel ${i}: ${y[i]} vs ${v}`));
    }),
  );
});

test('gradients reach exactly the input pixels that stay visible after translation and cutout', async () => {
  await initBackend('wasm');
  await assertNoLeak(() =>
    tf.tidy(() => {
      // Translation draws 0.6, 0.9: no row shift, columns +1; cutout centre (4, 4) covers output rows and columns 2..5.
      const augment = (x: tf.Tensor) => diffAugment(x as tf.Tensor4D, ['translation', 'cutout'], replay(0.6, 0.9, 0.5, 0.5));
      const dx = tf.grad((x) => tf.sum(augment(x)))(ramp()).dataSync();
      for (let r = 0; r < 8; r++) {
        for (let c = 0; c < 8; c++) {
          const [outR, outC] = [r, c + 1];
          const visible = outC < 8 && !(outR >= 2 && outR <= 5 && outC >= 2 && outC <= 5);
          assert.equal(at(dx, r, c), visible ? 1 : 0, `pixel (${r}, ${c})`);
        }
      }
      // Colour mixes every pixel through the image mean, so each one gets a gradient.
      const color = tf.grad((x) => tf.sum(tf.square(diffAugment(x as tf.Tensor4D, ['color'], replay(0.2, 0.7)))))(ramp()).dataSync();
      assert.ok(Array.from(color).every((v) => v !== 0));
    }),
  );
});


test('the augment option changes what the discriminators see, the same way for the same step seed', async () => {
  await initBackend('wasm');
  const context = { rank: 0, size: 1, allReduceMean: (v: Float32Array) => v };
  const controls = { learningRate: 1e-3, noiseSigma: 0, updateMinorityDiscriminator: true, seed: 11 };
  const step = (augment: CycleGanConfig['augment']) => {
    const gan = new CycleGan(tinyCycleGan({ augment }));
    const a = tf.tensor4d(seededValues(2 * 256, 1), [2, 16, 16, 1]);
    const b = tf.tensor4d(seededValues(2 * 256, 2), [2, 16, 16, 1]);
    try {
      return gan.step(a, b, controls, context);
    } finally {
      tf.dispose([a, b]);
      gan.dispose();
    }
  };
  await assertNoLeak(() => {
    const plain = step([]);
    const augmented = step(['color', 'translation', 'cutout']);
    assert.deepEqual(step(['color', 'translation', 'cutout']), augmented, 'the same seed must augment the same way');
    // The generator step runs first and is augmented too; the cycle loss never sees augmentation.
    assert.equal(augmented.cycle, plain.cycle);
    assert.notEqual(augmented.adversarial, plain.adversarial);
    assert.notEqual(augmented.discriminatorB, plain.discriminatorB);
  });
});
