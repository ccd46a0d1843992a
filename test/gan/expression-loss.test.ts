import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../../trainer/tfjs/tf.js';
import { initBackend } from '../../trainer/tfjs/backend.js';
import { targetExpressionLoss } from '../../trainer/gan/expression-loss.js';
import { CycleGan } from '../../trainer/gan/cyclegan.js';
import { cycleGanConfig, PRESETS } from '../../trainer/gan/options.js';
import { forward } from '../../trainer/networks/network.js';
import { FACE_API_EXPRESSIONS } from '../../core/faces/face-api.js';
import { loadFaceExpressionModel } from '../../trainer/networks/face-expression-model.js';
import { assertNoLeak, seededValues } from '../helpers/tensors.js';
import { tinyCycleGan } from '../helpers/tiny-gan.js';

const value = (t: tf.Tensor) => t.dataSync()[0]!;

test('the target-expression loss is the mean cross entropy against the target class (hand-computed)', async () => {
  await initBackend('wasm');
  await assertNoLeak(() =>
    tf.tidy(() => {
      // Uniform logits over 3 classes: -ln(1/3). Logits (ln 3, 0, 0) give p(target 0) = 3/5.
      assert.ok(Math.abs(value(targetExpressionLoss(tf.tensor2d([[0, 0, 0]]), 1)) - Math.log(3)) < 1e-6);
      const mixed = tf.tensor2d([
        [Math.log(3), 0, 0],
        [0, 0, 0],
      ]);
      assert.ok(Math.abs(value(targetExpressionLoss(mixed, 0)) - (-Math.log(3 / 5) + Math.log(3)) / 2) < 1e-6);
      assert.throws(() => targetExpressionLoss(mixed, 3), /not among 3 classes/);
    }),
  );
});

test('--lambda-expr asks face-api for the target expression of the translations, and only then', () => {
  const options = { ...PRESETS.cpu, source: 'neutral' as const, target: 'surprise' as const, workers: 1 };
  assert.equal(cycleGanConfig(options, 'B').expressionLoss, null);
  assert.deepEqual(cycleGanConfig({ ...options, lambdaExpression: 0.5 }, 'B').expressionLoss, { weight: 0.5, targetClass: FACE_API_EXPRESSIONS.surprise });
  assert.equal(FACE_API_EXPRESSIONS.surprise, 6);
});

test('training with the target-expression loss makes face-api read the translations as the target more than training without', async () => {
  await initBackend('wasm');
  const faces = await loadFaceExpressionModel();
  const target = FACE_API_EXPRESSIONS.disgust;
  const a = tf.tensor4d(seededValues(2 * 48 * 48, 5), [2, 48, 48, 1]);
  const b = tf.tensor4d(seededValues(2 * 48 * 48, 6), [2, 48, 48, 1]);
  const context = { rank: 0, size: 1, allReduceMean: (v: Float32Array) => v };
  const targetProbability = (gan: CycleGan) => tf.tidy(() => value(tf.mean(tf.softmax(faces.logits(forward(gan.gAB, a, { training: false }))).slice([0, target], [2, 1]))));
  const trained = async (expressionLoss: { weight: number; targetClass: number } | null) => {
    const gan = new CycleGan(tinyCycleGan({ expressionLoss, learningRate: 5e-3 }), faces);
    try {
      for (let step = 0; step < 6; step++) {
        const before = tf.memory().numTensors;
        const losses = gan.step(a, b, { learningRate: 5e-3, noiseSigma: 0, updateMinorityDiscriminator: true, seed: step }, context);
        if (step > 0) assert.equal(tf.memory().numTensors, before, 'a step leaked tensors');
        assert.ok(Object.values(losses).every(Number.isFinite));
        assert.equal(losses.expression > 0, expressionLoss !== null);
      }
      return targetProbability(gan);
    } finally {
      gan.dispose();
    }
  };
  try {
    const without = await trained(null);
    const withLoss = await trained({ weight: 10, targetClass: target });
    // Six steps of a tiny generator move face-api's reading by an order of magnitude, not to certainty.
    assert.ok(withLoss > 5 * without, `p(disgust) ${withLoss.toFixed(3)} with the loss, ${without.toFixed(3)} without`);
  } finally {
    tf.dispose([a, b]);
    faces.dispose();
  }
});
