import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../../trainer/tfjs/tf.js';
import { FACE_PIXELS, FACE_SIZE } from '../../core/image-codec.js';
import type { NamedWeights } from '../../core/networks/weights.js';
import { initBackend } from '../../trainer/tfjs/backend.js';
import { ReplicaGroup } from '../../trainer/parallel/replica-group.js';
import { buildClassifier } from '../../trainer/classifier/cnn.js';
import type { ClassifierReplicaConfig } from '../../trainer/classifier/classifier-replica.js';
import { disposeNetwork, readWeights, type BuiltNetwork } from '../../trainer/networks/network.js';
import { classifierGradients, classifierOptimizer, shardBatch, trainClassifier, type ClassifierBatch, type TrainOptions } from '../../trainer/classifier/train.js';
import { assertNoLeak, relativeError, seededValues } from '../helpers/tensors.js';

const GRADIENT_REPLICA = new URL('./fixtures/gradient-replica.ts', import.meta.url);
const CLASSIFIER_REPLICA = new URL('../../trainer/classifier/classifier-replica.ts', import.meta.url);

/**
 * Two replicas against one thread on the whole batch, as max |difference| / max |one thread's|
 * per tensor: the same formulas, with float32 sums taken in another order (each replica's half,
 * then the all-reduce; batch norm's sums cross threads as float32 where one thread keeps float64).
 * Observed: at most 3e-6 for the loss and gradients, 1.3e-4 for weights after six Adam steps
 * (Adam divides each gradient by its own running size, which magnifies differences in small ones).
 */
const GRADIENT_TOLERANCE = 1e-4;
const STEP_TOLERANCE = 1e-3;

const settings = { learningRate: 1e-3, classWeights: Float32Array.from([1, 3, 1, 0.5, 1, 1.5, 1]), labelSmoothing: 0.1 };

function batchOf(count: number, seed: number): ClassifierBatch {
  return {
    images: seededValues(count * FACE_PIXELS, seed),
    labels: Int32Array.from({ length: count }, (_, i) => (3 * i + seed) % 7),
    learningRate: 1e-3 * seed,
    seed,
  };
}

/**
 * Even, uneven, and smaller than the replica count (every replica then takes it whole). Images
 * in [-1, 1], not [0, 1]: a first-layer channel that ReLU passes everywhere (likely for positive
 * inputs) has a bias whose gradient the batch norm after it cancels exactly, leaving float noise
 * that Adam, dividing by its magnitude, turns into full steps in unrelated directions on either
 * path. Zero-mean input gives every channel pixels that ReLU cuts.
 */
const BATCHES = [batchOf(8, 1), batchOf(7, 2), batchOf(1, 3)];

function configOf(net: BuiltNetwork): ClassifierReplicaConfig {
  return { spec: net.spec, weights: readWeights(net), settings };
}

function assertWeightsClose(actual: NamedWeights, expected: NamedWeights, tolerance: number, what: string): void {
  for (const [key, { values }] of expected) {
    const error = relativeError(actual.get(key)!.values, values);
    assert.ok(error <= tolerance, `${what} ${key}: relative error ${error.toExponential(2)} > ${tolerance}`);
  }
}

test('two replicas: the averaged gradients and loss are one thread\'s on the whole batch', { timeout: 120_000 }, async () => {
  await initBackend('wasm');
  const net = buildClassifier({ architecture: 'study', width: 0.25, dropout: 0 }, 7);
  const group = await ReplicaGroup.start({ program: GRADIENT_REPLICA, config: configOf(net), workers: 2, backend: 'wasm' });
  try {
    const variables = [...net.weights.entries()];
    let tensorsAfterFirst: number[] = [];
    for (const batch of BATCHES) {
      const expected = await assertNoLeak(() =>
        tf.tidy(() => {
          const x = tf.tensor4d(batch.images, [batch.labels.length, FACE_SIZE, FACE_SIZE, 1]);
          const y = tf.tensor1d(batch.labels, 'int32');
          const { value, grads } = classifierGradients(net, x, y, tf.tensor1d(settings.classWeights), settings.labelSmoothing);
          return { loss: value.dataSync()[0]!, grads: variables.map(([, v]) => grads[v.name]!.dataSync() as Float32Array) };
        }),
      );
      const [first, second] = await group.all<Float32Array>('gradients', shardBatch(batch, 2));
      const count = batch.labels.length;
      assert.ok(first!.subarray(1).every((v, i) => Object.is(v, second![i + 1])), `${count} images: the replicas' gradients differ`);
      // Each replica's loss is its shard's share of the batch's, times the replica count.
      const loss = (first![0]! + second![0]!) / 2;
      assert.ok(Math.abs(loss - expected.loss) <= GRADIENT_TOLERANCE * expected.loss, `${count} images: loss ${loss} against ${expected.loss}`);
      let offset = 1;
      variables.forEach(([key], i) => {
        const reference = expected.grads[i]!;
        const error = relativeError(first!.subarray(offset, offset + reference.length), reference);
        assert.ok(error <= GRADIENT_TOLERANCE, `${count} images, gradient of ${key}: relative error ${error.toExponential(2)} > ${GRADIENT_TOLERANCE}`);
        offset += reference.length;
      });
      if (tensorsAfterFirst.length === 0) tensorsAfterFirst = await group.all<number>('numTensors', [undefined, undefined]);
    }
    assert.deepEqual(await group.all<number>('numTensors', [undefined, undefined]), tensorsAfterFirst, 'a replica leaked tensors');
  } finally {
    await group.close();
    disposeNetwork(net);
  }
});

test('three Adam steps on two replicas match one thread\'s, replicas stay identical, no tensors leak', { timeout: 120_000 }, async () => {
  await initBackend('wasm');
  const net = buildClassifier({ architecture: 'study', width: 0.25, dropout: 0 }, 7);
  const group = await ReplicaGroup.start({ program: CLASSIFIER_REPLICA, config: configOf(net), workers: 2, backend: 'wasm' });
  try {
    let tensorsAfterFirst: number[] = [];
    await assertNoLeak(async () => {
      const optimizer = classifierOptimizer(net, settings);
      try {
        for (const batch of BATCHES) {
          optimizer.step(batch);
          await group.all('step', shardBatch(batch, 2));
          // Adam creates its moments on the first step; after that nothing may accumulate.
          if (tensorsAfterFirst.length === 0) tensorsAfterFirst = await group.all<number>('numTensors', [undefined, undefined]);
        }
      } finally {
        optimizer.dispose();
      }
    });
    const [first, second] = await group.all<NamedWeights>('weights', [undefined, undefined]);
    for (const [key, { values }] of first!) assert.ok(values.every((v, i) => Object.is(v, second!.get(key)!.values[i])), `replicas differ in ${key}`);
    // Weights and batch norm's running statistics alike.
    assertWeightsClose(first!, readWeights(net), STEP_TOLERANCE, 'after 3 steps');
    assert.deepEqual(await group.all<number>('numTensors', [undefined, undefined]), tensorsAfterFirst, 'a replica leaked tensors');
  } finally {
    await group.close();
    disposeNetwork(net);
  }
});

test('trainClassifier on two workers: one thread\'s network within tolerance, the same network again for the same seed', { timeout: 300_000 }, async () => {
  await initBackend('wasm');
  // 33 images in batches of 16: two even batches and one of a single image per epoch.
  const count = 33;
  // Black and white noise: see BATCHES for why each first-layer channel needs pixels ReLU cuts.
  const pixels = Uint8Array.from(seededValues(count * FACE_PIXELS, 11), (v) => (v < 0 ? 0 : 255));
  const labels = Uint8Array.from({ length: count }, (_, i) => i % 7);
  const indices = Array.from({ length: count }, (_, i) => i);
  const options: TrainOptions = { epochs: 2, batchSize: 16, learningRate: 1e-3, schedule: 'cosine', flip: true, shift: 2, labelSmoothing: 0.1, classBalance: 'weights', seed: 5 };
  const train = (workers: number) =>
    assertNoLeak(async () => {
      const net = buildClassifier({ architecture: 'study', width: 0.25, dropout: 0 }, 3);
      const initial = readWeights(net).get('dense/weight')!.values;
      const changedAtEpoch: boolean[] = [];
      try {
        await trainClassifier(net, pixels, labels, indices, {
          ...options,
          workers,
          // The caller's network holds each epoch's weights when told the epoch ended.
          onEpoch: () => changedAtEpoch.push(readWeights(net).get('dense/weight')!.values.some((v, i) => v !== initial[i])),
        });
        assert.deepEqual(changedAtEpoch, [true, true]);
        return readWeights(net);
      } finally {
        disposeNetwork(net);
      }
    });
  const one = await train(1);
  const two = await train(2);
  const again = await train(2);
  for (const [key, { values }] of two) assert.ok(values.every((v, i) => Object.is(v, again.get(key)!.values[i])), `two runs of the same seed differ in ${key}`);
  assertWeightsClose(two, one, STEP_TOLERANCE, 'after 6 steps');
});
