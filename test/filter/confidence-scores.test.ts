import { test } from 'node:test';
import assert from 'node:assert/strict';

import { FACE_PIXELS } from '../../core/image-codec.js';
import { initBackend } from '../../trainer/tfjs/backend.js';
import { buildClassifier } from '../../trainer/classifier/cnn.js';
import { classWeights } from '../../trainer/classifier/train.js';
import { confidenceScores } from '../../trainer/filter/confidence-scores.js';
import { seededRandom } from '../../core/random.js';
import { assertNoLeak } from '../helpers/tensors.js';

test('reference classifier shape: 32/64/128 convs, 256 dense, 7 logits; width scales it', async () => {
  await initBackend();
  await assertNoLeak(() => {
    const model = buildClassifier({ width: 1 }, 1);
    const filters = model.layers.filter((l) => l.getClassName() === 'Conv2D').map((l) => (l.getConfig() as { filters: number }).filters);
    assert.deepEqual(filters, [32, 64, 128]);
    assert.deepEqual(model.outputs[0]!.shape, [null, 7]);
    model.dispose();
    const small = buildClassifier({ width: 0.25 }, 1);
    assert.deepEqual(small.layers.filter((l) => l.getClassName() === 'Conv2D').map((l) => (l.getConfig() as { filters: number }).filters), [8, 16, 32]);
    small.dispose();
  });
});

test('class weights balance the classes', () => {
  const weights = classWeights([0, 0, 0, 1], [0, 1, 2, 3]);
  assert.deepEqual([...weights.slice(0, 2)], [Math.fround(4 / 6), 2]);
  assert.equal(weights[2], 0);
});

test('out-of-fold confidence: a mislabeled sample scores low, no tensors leak', { timeout: 120_000 }, async () => {
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
  const { scores, outsideScores } = await assertNoLeak(() =>
    confidenceScores(pixels, labels, candidates, { folds: 4, epochs: 8, width: 0.25, batchSize: 8, learningRate: 3e-3, seed: 1 }, undefined, [count - 2, count - 1]),
  );
  assert.equal(scores.length, count - 2);
  assert.ok(outsideScores.every((s) => s > 0.5), `outside ${outsideScores}`);
  assert.ok(scores.every((s) => s >= 0 && s <= 1));
  const others = [...scores.slice(1)].reduce((a, b) => a + b, 0) / (count - 3);
  assert.ok(scores[0]! < 0.5 && others > 0.5, `mislabeled ${scores[0]}, others ${others}`);
});
