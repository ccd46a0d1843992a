import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FACE_PIXELS } from '../../core/image-codec.js';
import { initBackend } from '../../trainer/tfjs/backend.js';
import { buildClassifier } from '../../trainer/classifier/cnn.js';
import { disposeNetwork, readWeights } from '../../trainer/networks/network.js';
import { trainClassifier, type TrainOptions } from '../../trainer/classifier/train.js';
import { assertNoLeak, seededValues } from '../helpers/tensors.js';

// A run without a progress callback once stayed at the schedule's first step: the step counter
// was advanced inside the optional call's arguments, which are skipped when there is no callback.
test('the learning-rate schedule advances whether or not anyone watches progress', async () => {
  await initBackend('wasm');
  const count = 24;
  const pixels = Uint8Array.from(seededValues(count * FACE_PIXELS, 5), (v) => (v < 0 ? 0 : 255));
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 3);
  const indices = Array.from({ length: count }, (_, i) => i);
  const options: TrainOptions = { epochs: 2, batchSize: 6, learningRate: 1e-3, schedule: 'cosine', flip: false, shift: 0, labelSmoothing: 0, classBalance: 'none', seed: 3, workers: 1 };
  const train = (watch: boolean) =>
    assertNoLeak(async () => {
      const net = buildClassifier({ architecture: 'study', width: 0.25, dropout: 0 }, 1);
      const seen: number[] = [];
      try {
        await trainClassifier(net, pixels, labels, indices, watch ? { ...options, onBatch: (done) => seen.push(done) } : options);
        return { weights: readWeights(net), seen };
      } finally {
        disposeNetwork(net);
      }
    });
  const watched = await train(true);
  const unwatched = await train(false);
  assert.deepEqual(watched.seen, [1, 2, 3, 4, 5, 6, 7, 8]);
  for (const [key, { values }] of watched.weights) assert.deepEqual(unwatched.weights.get(key)!.values, values, key);
});
