import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../../trainer/runtime/tf.js';
import { initBackend } from '../../trainer/runtime/backend.js';
import { classifierSettings } from '../../trainer/classifier/options.js';
import { targetConfidence } from '../../trainer/validate/select.js';
import { seededValues } from '../helpers/tensors.js';

const grey = (count: number, seed: number, brightness: (n: number) => number) => {
  const noise = seededValues(count * 2304, seed);
  return Uint8Array.from(noise, (v, i) => Math.max(0, Math.min(255, Math.round(brightness(Math.floor(i / 2304)) + 40 * v))));
};

test('the quality gate scores candidates by target-class probability and frees every tensor', { timeout: 60_000 }, async () => {
  await initBackend('wasm');
  // Class c is brightness 60 + 25c: learnable in one short epoch.
  const labels = Uint8Array.from({ length: 70 }, (_, n) => n % 7);
  const pixels = grey(70, 3, (n) => 60 + 25 * (n % 7));
  const candidates = grey(5, 9, () => 85);
  const before = tf.memory().numTensors;
  const classifier = classifierSettings({ recipe: 'reference', width: 0.125, epochs: 2, batchSize: 14, learningRate: 1e-2 });
  const scores = await targetConfidence({ pixels, labels, pool: Array.from({ length: 70 }, (_, i) => i) }, candidates, 1, classifier, 4);
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  assert.equal(scores.length, 5);
  assert.ok(scores.every((s) => s >= 0 && s <= 1));
  assert.deepEqual(await targetConfidence({ pixels, labels, pool: Array.from({ length: 70 }, (_, i) => i) }, candidates, 1, classifier, 4), scores, 'seeded');
});
