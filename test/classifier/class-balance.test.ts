import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FACE_PIXELS } from '../../core/image-codec.js';
import { initBackend } from '../../trainer/tfjs/backend.js';
import { buildClassifier } from '../../trainer/classifier/cnn.js';
import { disposeNetwork, readWeights } from '../../trainer/networks/network.js';
import { logitAdjustment, trainClassifier, type TrainOptions } from '../../trainer/classifier/train.js';
import type { ClassBalance } from '../../trainer/classifier/options.js';
import { assertNoLeak, seededValues } from '../helpers/tensors.js';

test('logit adjustment: the log of each class share, 0 for an absent class', () => {
  const adjustment = logitAdjustment([0, 0, 0, 1, 5], [0, 1, 2, 3]);
  assert.deepEqual([...adjustment], [Math.log(3 / 4), Math.log(1 / 4), 0, 0, 0, 0, 0].map(Math.fround));
});

test("class balance 'logits' trains as 'none' does, then takes the log class shares off the logits' bias, and every epoch is scored adjusted", async () => {
  await initBackend('wasm');
  const count = 20;
  const pixels = Uint8Array.from(seededValues(count * FACE_PIXELS, 3), (v) => (v < 0 ? 0 : 255));
  // Rare class 1: 2 images of 20.
  const labels = Uint8Array.from({ length: count }, (_, i) => (i < 2 ? 1 : 4));
  const indices = Array.from({ length: count }, (_, i) => i);
  const train = (classBalance: ClassBalance) =>
    assertNoLeak(async () => {
      const net = buildClassifier({ architecture: 'study', width: 0.25, dropout: 0 }, 2);
      const biasAtEpoch: number[][] = [];
      const options: TrainOptions = { epochs: 2, batchSize: 10, learningRate: 1e-3, schedule: 'constant', flip: false, shift: 0, labelSmoothing: 0, classBalance, seed: 4, workers: 1 };
      try {
        await trainClassifier(net, pixels, labels, indices, { ...options, onEpoch: () => biasAtEpoch.push([...readWeights(net).get('logits/bias')!.values]) });
        return { weights: readWeights(net), biasAtEpoch };
      } finally {
        disposeNetwork(net);
      }
    });
  const plain = await train('none');
  const adjusted = await train('logits');
  const shift = [0, Math.log(2 / 20), 0, 0, Math.log(18 / 20), 0, 0];
  for (const [key, { values }] of plain.weights) {
    const other = adjusted.weights.get(key)!.values;
    const expected = key === 'logits/bias' ? values.map((v, c) => v - shift[c]!) : values;
    expected.forEach((v, i) => assert.ok(Math.abs(other[i]! - v) < 1e-5, `${key}[${i}]: ${other[i]} against ${v}`));
  }
  // Both epochs were scored adjusted, and the first epoch's adjustment did not carry into the second's training.
  plain.biasAtEpoch.forEach((bias, epoch) => bias.forEach((v, c) => assert.ok(Math.abs(adjusted.biasAtEpoch[epoch]![c]! - (v - shift[c]!)) < 1e-5)));
});
