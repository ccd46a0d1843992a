import { FACE_SIZE, FACE_PIXELS } from '../../core/image-codec.js';
import * as tf from '../tfjs/tf.js';
import { NUM_EXPRESSIONS } from '../../core/expressions.js';
import { seededRandom, shuffle } from '../../core/random.js';
import { forward, type BuiltNetwork } from '../networks/network.js';
import { augmentInto, type Augmentation } from './augment.js';
import type { ClassifierSettings } from './options.js';
import { learningRateAt } from './schedule.js';

export interface TrainOptions extends Omit<ClassifierSettings, 'recipe' | 'width'> {
  seed: number;
  /** Called after each batch with batches done and the total. */
  onBatch?: (done: number, total: number) => void;
  /** Called after each epoch (1-based), e.g. to score the network so far. */
  onEpoch?: (epoch: number) => void;
}

/** n / (K n_c): each class contributes equally to the loss however rare it is (Disgust is 1.5% of FER2013). */
export function classWeights(labels: ArrayLike<number>, indices: readonly number[]): Float32Array {
  const counts = new Float64Array(NUM_EXPRESSIONS);
  for (const i of indices) counts[labels[i]!]!++;
  const present = counts.filter((c) => c > 0).length;
  return Float32Array.from(counts, (c) => (c > 0 ? indices.length / (present * c) : 0));
}

/** The images at `indices` as [B, 48, 48, 1] in [0, 1], each through `augment` when given. */
export function imageBatch(pixels: Uint8Array, indices: readonly number[], augment?: { kind: Augmentation; random: () => number }): tf.Tensor4D {
  const batch = new Float32Array(indices.length * FACE_PIXELS);
  indices.forEach((index, n) => {
    const image = pixels.subarray(index * FACE_PIXELS, (index + 1) * FACE_PIXELS);
    const out = batch.subarray(n * FACE_PIXELS, (n + 1) * FACE_PIXELS);
    if (augment) augmentInto(image, out, FACE_SIZE, augment.kind, augment.random);
    else for (let p = 0; p < FACE_PIXELS; p++) out[p] = image[p]! / 255;
  });
  return tf.tensor4d(batch, [indices.length, FACE_SIZE, FACE_SIZE, 1]);
}

/** Logits [B, 7] of a batch (training: batch statistics, updating the running ones). */
export function logits(net: BuiltNetwork, x: tf.Tensor4D, training: boolean): tf.Tensor2D {
  return tf.reshape(forward(net, x, { training }), [x.shape[0], NUM_EXPRESSIONS]);
}

/** Class-weighted softmax cross entropy of a batch, optionally against smoothed targets. */
export function classifierLoss(net: BuiltNetwork, x: tf.Tensor4D, y: tf.Tensor1D, weights: tf.Tensor1D, labelSmoothing: number): tf.Scalar {
  const perSample = tf.losses.softmaxCrossEntropy(tf.oneHot(y, NUM_EXPRESSIONS), logits(net, x, true), undefined, labelSmoothing, tf.Reduction.NONE);
  return tf.mean(tf.mul(perSample, tf.gather(weights, y)));
}

/** One optimiser step on a batch; returns the loss. */
export function trainStep(net: BuiltNetwork, optimizer: tf.Optimizer, x: tf.Tensor4D, y: tf.Tensor1D, weights: tf.Tensor1D, labelSmoothing: number): number {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => classifierLoss(net, x, y, weights, labelSmoothing), [...net.weights.values()]);
    optimizer.applyGradients(grads);
    return value.dataSync()[0]!;
  });
}

/** Trains `net` on the images at `indices` with class-weighted cross entropy and Adam. */
export async function trainClassifier(net: BuiltNetwork, pixels: Uint8Array, labels: ArrayLike<number>, indices: readonly number[], options: TrainOptions): Promise<void> {
  const weights = tf.tensor1d(classWeights(labels, indices));
  const optimizer = tf.train.adam(options.learningRate);
  // tfjs reads the rate at every update but declares it protected; the schedule sets it per step.
  const rate = optimizer as unknown as { learningRate: number };
  const augment: Augmentation = { flip: options.flip, shift: options.shift };
  const random = seededRandom(options.seed);
  const batchesPerEpoch = Math.ceil(indices.length / options.batchSize);
  const total = batchesPerEpoch * options.epochs;
  let done = 0;
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const order = shuffle([...indices], random);
      for (let start = 0; start < order.length; start += options.batchSize) {
        const batch = order.slice(start, start + options.batchSize);
        rate.learningRate = learningRateAt(options.schedule, options.learningRate, done, total);
        const x = imageBatch(pixels, batch, { kind: augment, random });
        const y = tf.tensor1d(Int32Array.from(batch, (i) => labels[i]!), 'int32');
        try {
          trainStep(net, optimizer, x, y, weights, options.labelSmoothing);
        } finally {
          tf.dispose([x, y]);
        }
        options.onBatch?.(++done, total);
        // Yield so progress bars and signals get a turn during long CPU-bound training.
        if (done % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      options.onEpoch?.(epoch + 1);
    }
  } finally {
    weights.dispose();
    optimizer.dispose();
  }
}

/** Softmax probabilities, count x 7 row-major, for the images at `indices`. */
export function predictProbabilities(net: BuiltNetwork, pixels: Uint8Array, indices: readonly number[], batchSize: number): Float32Array {
  const out = new Float32Array(indices.length * NUM_EXPRESSIONS);
  for (let start = 0; start < indices.length; start += batchSize) {
    const batch = indices.slice(start, start + batchSize);
    const probabilities = tf.tidy(() => tf.softmax(logits(net, imageBatch(pixels, batch), false)));
    out.set(probabilities.dataSync(), start * NUM_EXPRESSIONS);
    probabilities.dispose();
  }
  return out;
}
