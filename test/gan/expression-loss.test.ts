import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../../trainer/tfjs/tf.js';
import { initBackend } from '../../trainer/tfjs/backend.js';
import { type ExpressionLossSettings, targetExpressionLoss } from '../../trainer/gan/expression-loss.js';
import { EXPRESSIONS } from '../../core/expressions.js';
import { buildClassifier } from '../../trainer/classifier/cnn.js';
import { packClassifier } from '../../trainer/classifier/classifier-file.js';
import { disposeNetwork } from '../../trainer/networks/network.js';
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
  assert.deepEqual(cycleGanConfig({ ...options, lambdaExpression: 0.5 }, 'B').expressionLoss, { weight: 0.5, targetClass: FACE_API_EXPRESSIONS.surprise, judge: null });
  assert.equal(FACE_API_EXPRESSIONS.surprise, 6);
  // --expression-judge adds the judge's network, asked for the target's column among faceaug's classes.
  const judged = cycleGanConfig({ ...options, lambdaExpression: 0.5, expressionJudge: 3 }, 'B', Uint8Array.of(1, 2));
  assert.deepEqual(judged.expressionLoss?.judge, { classifier: Uint8Array.of(1, 2), targetClass: EXPRESSIONS.indexOf('surprise') });
});

test('training with the target-expression loss makes face-api read the translations as the target more than training without', async () => {
  await initBackend('wasm');
  const faces = await loadFaceExpressionModel();
  const target = FACE_API_EXPRESSIONS.disgust;
  const a = tf.tensor4d(seededValues(2 * 48 * 48, 5), [2, 48, 48, 1]);
  const b = tf.tensor4d(seededValues(2 * 48 * 48, 6), [2, 48, 48, 1]);
  const context = { rank: 0, size: 1, allReduceMean: (v: Float32Array) => v };
  const targetProbability = (gan: CycleGan) => tf.tidy(() => value(tf.mean(tf.softmax(faces.logits(forward(gan.gAB, a, { training: false }))).slice([0, target], [2, 1]))));
  const trained = async (expressionLoss: ExpressionLossSettings | null) => {
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
    const withLoss = await trained({ weight: 10, targetClass: target, judge: null });
    // Six steps of a tiny generator move face-api's reading by an order of magnitude, not to certainty.
    assert.ok(withLoss > 5 * without, `p(disgust) ${withLoss.toFixed(3)} with the loss, ${without.toFixed(3)} without`);
  } finally {
    tf.dispose([a, b]);
    faces.dispose();
  }
});

test('--expression-judge: the target-expression loss becomes the mean of face-api\'s and the judge\'s cross entropies', async () => {
  await initBackend('wasm');
  const faces = await loadFaceExpressionModel();
  // A judge that reads every image the same way: no weights, logits = its bias. Its cross entropy
  // against the target is then known exactly, whatever the translations look like.
  const judgeNet = buildClassifier({ architecture: 'study', width: 0.25, dropout: 0 }, 11);
  const bias = [0, Math.log(3), 0, 0, 1, 0, 0];
  for (const [key, variable] of judgeNet.weights) tf.tidy(() => variable.assign(key === 'logits/bias' ? tf.tensor1d(bias) : tf.zerosLike(variable)));
  const target = EXPRESSIONS.indexOf('disgust');
  const judgeCrossEntropy = -Math.log(Math.exp(bias[target]!) / bias.reduce((sum, b) => sum + Math.exp(b), 0));
  const classifier = packClassifier(judgeNet);
  disposeNetwork(judgeNet);
  const a = tf.tensor4d(seededValues(2 * 48 * 48, 5), [2, 48, 48, 1]);
  const b = tf.tensor4d(seededValues(2 * 48 * 48, 6), [2, 48, 48, 1]);
  const context = { rank: 0, size: 1, allReduceMean: (v: Float32Array) => v };
  // The first step's losses are measured before any update: with the same seeds both GANs translate
  // and augment identically, so face-api's term is the same in both.
  const firstExpression = (judge: ExpressionLossSettings['judge']) => {
    const gan = new CycleGan(tinyCycleGan({ expressionLoss: { weight: 1, targetClass: FACE_API_EXPRESSIONS.disgust, judge } }), faces);
    try {
      return gan.step(a, b, { learningRate: 1e-3, noiseSigma: 0, updateMinorityDiscriminator: true, seed: 7 }, context).expression;
    } finally {
      gan.dispose();
    }
  };
  try {
    const before = tf.memory().numTensors;
    const faceApi = firstExpression(null);
    const mean = firstExpression({ classifier, targetClass: target });
    assert.equal(tf.memory().numTensors, before, 'building, stepping and disposing a GAN with a loss judge leaks nothing');
    assert.ok(Math.abs(mean - (faceApi + judgeCrossEntropy) / 2) < 1e-4, `expression ${mean} with the judge, ${faceApi} without, judge cross entropy ${judgeCrossEntropy}`);
  } finally {
    tf.dispose([a, b]);
    faces.dispose();
  }
});
