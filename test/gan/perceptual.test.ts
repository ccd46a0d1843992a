import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../../trainer/tfjs/tf.js';
import { initBackend } from '../../trainer/tfjs/backend.js';
import { perceptualL1 } from '../../trainer/gan/perceptual.js';
import { loadFaceExpressionModel } from '../../trainer/networks/face-expression-model.js';
import { assertNoLeak, seededValues } from '../helpers/tensors.js';

const value = (t: tf.Tensor) => t.dataSync()[0]!;

test('perceptual L1 is beta * pixel L1 + alpha * feature L1 (hand-computed with a toy extractor)', async () => {
  await initBackend('wasm');
  await assertNoLeak(() =>
    tf.tidy(() => {
      const a = tf.tensor4d([0, 1, 0, 1], [1, 2, 2, 1]);
      const b = tf.tensor4d([1, 1, 1, 1], [1, 2, 2, 1]);
      // Toy features: the per-image mean (0.5 vs 1). Pixel L1 = 0.5, feature L1 = 0.5.
      const mean = (x: tf.Tensor4D) => tf.mean(x, [1, 2, 3]);
      assert.ok(Math.abs(value(perceptualL1(mean, a, b, { alpha: 2, beta: 3 })) - (3 * 0.5 + 2 * 0.5)) < 1e-6);
      assert.ok(Math.abs(value(perceptualL1(mean, a, b, { alpha: 0, beta: 1 })) - 0.5) < 1e-6);
    }),
  );
});

test('face-api features give the generator a non-zero gradient through the perceptual term', async () => {
  await initBackend('wasm');
  const faces = await loadFaceExpressionModel();
  try {
    await assertNoLeak(() =>
      tf.tidy(() => {
        const real = tf.tensor4d(seededValues(2 * 48 * 48, 1), [2, 48, 48, 1]);
        const fake = tf.tensor4d(seededValues(2 * 48 * 48, 2), [2, 48, 48, 1]);
        const grad = tf.grad((x: tf.Tensor) => perceptualL1(faces.features, x as tf.Tensor4D, real, { alpha: 1, beta: 0 }))(fake);
        assert.deepEqual(grad.shape, [2, 48, 48, 1]);
        const norm = value(tf.sqrt(tf.sum(tf.square(grad))));
        assert.ok(Number.isFinite(norm) && norm > 0, `feature gradient norm ${norm}`);
      }),
    );
  } finally {
    faces.dispose();
  }
});

test('a CycleGAN step with the perceptual cycle loss trains and leaks nothing', async () => {
  await initBackend('wasm');
  const { CycleGan } = await import('../../trainer/gan/cyclegan.js');
  const { cycleGanConfig, PRESETS } = await import('../../trainer/gan/options.js');
  const options = { ...PRESETS.cpu, ngf: 4, blocks: 1, subBlocks: 1, ndf: 4, dLayers: 2, perceptual: { alpha: 0.5, beta: 1 } };
  const faces = await loadFaceExpressionModel();
  const gan = new CycleGan(cycleGanConfig({ ...options, source: 'neutral', target: 'disgust', workers: 1 }, 'B'), faces);
  try {
    const a = tf.tensor4d(seededValues(2 * 48 * 48, 3), [2, 48, 48, 1]);
    const b = tf.tensor4d(seededValues(2 * 48 * 48, 4), [2, 48, 48, 1]);
    const context = { rank: 0, size: 1, allReduceMean: (v: Float32Array) => v };
    const controls = { learningRate: 1e-3, noiseSigma: 0.1, updateMinorityDiscriminator: true, seed: 1 };
    gan.step(a, b, controls, context);
    const before = tf.memory().numTensors;
    const losses = gan.step(a, b, { ...controls, seed: 2 }, context);
    assert.equal(tf.memory().numTensors, before, 'a step leaked tensors');
    assert.ok(Object.values(losses).every(Number.isFinite));
    tf.dispose([a, b]);
  } finally {
    gan.dispose();
    faces.dispose();
  }
});
