import { test } from 'node:test';
import assert from 'node:assert/strict';

import { FACE_PIXELS } from '../../core/image-codec.js';
import { initBackend } from '../../trainer/tfjs/backend.js';
import { buildClassifier } from '../../trainer/classifier/cnn.js';
import { classWeights } from '../../trainer/classifier/train.js';
import { classifierSettings } from '../../trainer/classifier/options.js';
import { disposeNetwork, type BuiltNetwork } from '../../trainer/networks/network.js';
import { outOfFoldProbabilities } from '../../trainer/filter/confidence-scores.js';
import { selfConfidence } from '../../trainer/filter/confident-learning.js';
import { seededRandom } from '../../core/random.js';
import { assertNoLeak } from '../helpers/tensors.js';

test('reference classifier shape: 32/64/128 convs, 256 dense, 7 logits; width scales it', async () => {
  await initBackend();
  await assertNoLeak(() => {
    const filters = (net: BuiltNetwork) => [...net.weights].filter(([key]) => key.endsWith('/filter')).map(([, v]) => v.shape[3]);
    const model = buildClassifier({ architecture: 'study', width: 1, dropout: 0 }, 1);
    assert.deepEqual(filters(model), [32, 64, 128]);
    assert.deepEqual(model.weights.get('dense/weight')!.shape, [6 * 6 * 128, 256]);
    assert.deepEqual(model.weights.get('logits/weight')!.shape, [256, 7]);
    disposeNetwork(model);
    const small = buildClassifier({ architecture: 'study', width: 0.25, dropout: 0 }, 1);
    assert.deepEqual(filters(small), [8, 16, 32]);
    disposeNetwork(small);
  });
});

test('class weights balance the classes', () => {
  const weights = classWeights([0, 0, 0, 1], [0, 1, 2, 3]);
  assert.deepEqual([...weights.slice(0, 2)], [Math.fround(4 / 6), 2]);
  assert.equal(weights[2], 0);
});

test('out-of-fold probabilities: a mislabeled sample gets a low probability of its label, no tensors leak', { timeout: 120_000 }, async () => {
  await initBackend();
  // Class 3 images are bright, class 6 dark, with noise; sample 0 is bright but labeled 6.
  const random = seededRandom(5);
  const count = 40;
  const labels = Uint8Array.from({ length: count }, (_, i) => (i % 2 === 0 ? 3 : 6));
  const pixels = new Uint8Array(count * FACE_PIXELS);
  for (let i = 0; i < count; i++) {
    const base = labels[i] === 3 ? 170 : 60;
    for (let p = 0; p < FACE_PIXELS; p++) pixels[i * FACE_PIXELS + p] = base + Math.floor(random() * 40);
  }
  labels[0] = 6;
  // The last two (one bright, one dark, correctly labeled) are outside the folds: scored by every fold's model.
  const candidates = Array.from({ length: count - 2 }, (_, i) => i);
  const outside = [count - 2, count - 1];
  const probabilities = await assertNoLeak(() =>
    outOfFoldProbabilities(pixels, labels, candidates, { folds: 4, seed: 1, ...classifierSettings({ recipe: 'reference', epochs: 8, width: 0.25, batchSize: 8, learningRate: 3e-3 }) }, undefined, outside),
  );
  assert.equal(probabilities.candidates.length, (count - 2) * 7);
  assert.equal(probabilities.outside.length, 2 * 7);
  // Each row is a distribution (an outside row as the mean of the folds' distributions).
  const rows = [...probabilities.candidates, ...probabilities.outside];
  for (let n = 0; n < count; n++) {
    const total = rows.slice(n * 7, n * 7 + 7).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - 1) < 1e-5, `row ${n} sums to ${total}`);
  }
  const scores = selfConfidence(Array.from(candidates, (i) => labels[i]!), probabilities.candidates);
  const outsideScores = selfConfidence(Array.from(outside, (i) => labels[i]!), probabilities.outside);
  assert.ok(outsideScores.every((s) => s > 0.5), `outside ${outsideScores}`);
  assert.ok(scores.every((s) => s >= 0 && s <= 1));
  const others = [...scores.slice(1)].reduce((a, b) => a + b, 0) / (count - 3);
  assert.ok(scores[0]! < 0.5 && others > 0.5, `mislabeled ${scores[0]}, others ${others}`);
});
