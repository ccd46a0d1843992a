import { FACE_SIZE, FACE_PIXELS } from '../../core/image-codec.js';
import * as tf from '../tfjs/tf.js';
import { NUM_EXPRESSIONS } from '../../core/expressions.js';
import { seededRandom, shuffle } from '../../core/random.js';

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** Called after each batch with batches done and the total. */
  onBatch?: (done: number, total: number) => void;
}

/** n / (K n_c): each class contributes equally to the loss however rare it is (Disgust is 1.5% of FER2013). */
export function classWeights(labels: ArrayLike<number>, indices: readonly number[]): Float32Array {
  const counts = new Float64Array(NUM_EXPRESSIONS);
  for (const i of indices) counts[labels[i]!]!++;
  const present = counts.filter((c) => c > 0).length;
  return Float32Array.from(counts, (c) => (c > 0 ? indices.length / (present * c) : 0));
}

/** A batch of images as [B, 48, 48, 1] in [0, 1]. */
function imageBatch(pixels: Uint8Array, indices: readonly number[]): tf.Tensor4D {
  const batch = new Float32Array(indices.length * FACE_PIXELS);
  indices.forEach((index, n) => {
    const from = index * FACE_PIXELS;
    for (let p = 0; p < FACE_PIXELS; p++) batch[n * FACE_PIXELS + p] = pixels[from + p]! / 255;
  });
  return tf.tensor4d(batch, [indices.length, FACE_SIZE, FACE_SIZE, 1]);
}

/** Trains `model` on the images at `indices` with class-weighted cross entropy and Adam. */
export async function trainClassifier(
  model: tf.Sequential,
  pixels: Uint8Array,
  labels: ArrayLike<number>,
  indices: readonly number[],
  options: TrainOptions,
): Promise<void> {
  const weights = tf.tensor1d(classWeights(labels, indices));
  const optimizer = tf.train.adam(options.learningRate);
  const random = seededRandom(options.seed);
  const batchesPerEpoch = Math.ceil(indices.length / options.batchSize);
  const total = batchesPerEpoch * options.epochs;
  let done = 0;
  try {
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const order = shuffle([...indices], random);
      for (let start = 0; start < order.length; start += options.batchSize) {
        const batch = order.slice(start, start + options.batchSize);
        tf.tidy(() => {
          const x = imageBatch(pixels, batch);
          const y = tf.tensor1d(Int32Array.from(batch, (i) => labels[i]!), 'int32');
          optimizer.minimize(() => {
            const logits = model.apply(x, { training: true }) as tf.Tensor2D;
            const perSample = tf.losses.softmaxCrossEntropy(tf.oneHot(y, NUM_EXPRESSIONS), logits, undefined, 0, tf.Reduction.NONE);
            return tf.mean(tf.mul(perSample, tf.gather(weights, y))) as tf.Scalar;
          });
        });
        options.onBatch?.(++done, total);
        // Yield so progress bars and signals get a turn during long CPU-bound training.
        if (done % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    }
  } finally {
    weights.dispose();
    optimizer.dispose();
  }
}

/** Softmax probabilities, count x 7 row-major, for the images at `indices`. */
export function predictProbabilities(model: tf.Sequential, pixels: Uint8Array, indices: readonly number[], batchSize: number): Float32Array {
  const out = new Float32Array(indices.length * NUM_EXPRESSIONS);
  for (let start = 0; start < indices.length; start += batchSize) {
    const batch = indices.slice(start, start + batchSize);
    const probabilities = tf.tidy(() => tf.softmax(model.predict(imageBatch(pixels, batch)) as tf.Tensor2D));
    out.set(probabilities.dataSync(), start * NUM_EXPRESSIONS);
    probabilities.dispose();
  }
  return out;
}
