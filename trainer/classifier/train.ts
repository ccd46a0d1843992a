import { FACE_SIZE, FACE_PIXELS } from '../../core/image-codec.js';
import * as tf from '../tfjs/tf.js';
import { NUM_EXPRESSIONS } from '../../core/expressions.js';
import { seededRandom, shuffle } from '../../core/random.js';
import { LOGITS_LAYER } from '../../core/networks/classifiers.js';
import type { NamedWeights } from '../../core/networks/weights.js';
import { forward, loadWeights, readWeights, type BuiltNetwork, type ForwardOptions } from '../networks/network.js';
import { averageGradients } from '../parallel/gradients.js';
import { ReplicaGroup } from '../parallel/replica-group.js';
import type { ReplicaContext } from '../parallel/replica.js';
import { workerCount } from '../parallel/worker-count.js';
import { initBackend } from '../tfjs/backend.js';
import { throwIfStopped } from '../tfjs/stop-signal.js';
import type { ClassifierReplicaConfig } from './classifier-replica.js';
import { augmentInto, type Augmentation } from './augment.js';
import { NO_TEST_AUGMENTATION, testViews, viewFaces, type TestAugmentation } from './test-views.js';
import type { ClassifierSettings } from './options.js';
import { learningRateAt } from './schedule.js';

const REPLICA = new URL('./classifier-replica.ts', import.meta.url);

export interface TrainOptions extends Omit<ClassifierSettings, 'recipe' | 'architecture' | 'width' | 'dropout' | 'testFlip' | 'testShift' | 'members'> {
  seed: number;
  /**
   * Data-parallel replicas, each on a worker thread with its share of every batch; 1 trains on
   * this thread. Default: {@link classifierWorkers}. A seed gives the same network for the same
   * number of replicas; other numbers take the same steps up to float rounding (batch norm's
   * statistics and the gradients are the whole batch's either way), which compounds over training.
   */
  workers?: number;
  /** Called after each batch with batches done and the total. */
  onBatch?: (done: number, total: number) => void;
  /** Called after each epoch (1-based), e.g. to score the network so far. */
  onEpoch?: (epoch: number) => void;
}

function classCounts(labels: ArrayLike<number>, indices: readonly number[]): Float64Array {
  const counts = new Float64Array(NUM_EXPRESSIONS);
  for (const i of indices) counts[labels[i]!]!++;
  return counts;
}

/** n / (K n_c): each class contributes equally to the loss however rare it is (Disgust is 1.5% of FER2013). */
export function classWeights(labels: ArrayLike<number>, indices: readonly number[]): Float32Array {
  const counts = classCounts(labels, indices);
  const present = counts.filter((c) => c > 0).length;
  return Float32Array.from(counts, (c) => (c > 0 ? indices.length / (present * c) : 0));
}

/** log(n_c / n), what post-hoc logit adjustment takes off each logit (0 for an absent class, which training already pushed down). */
export function logitAdjustment(labels: ArrayLike<number>, indices: readonly number[]): Float32Array {
  return Float32Array.from(classCounts(labels, indices), (c) => (c > 0 ? Math.log(c / indices.length) : 0));
}

function logitsBias(net: BuiltNetwork): tf.Variable {
  const bias = net.weights.get(`${LOGITS_LAYER}/bias`);
  if (!bias) throw new Error(`network ${net.spec.name} has no '${LOGITS_LAYER}' layer to adjust`);
  return bias;
}

/** Takes `adjustment` off the classifier's logits, through the bias of its last layer. */
export function adjustLogits(net: BuiltNetwork, adjustment: Float32Array): void {
  const bias = logitsBias(net);
  tf.tidy(() => bias.assign(tf.sub(bias, tf.tensor1d(adjustment))));
}

/** Runs `body` on the adjusted network, then puts the bias back bit for bit, for training to go on. */
function withAdjustedLogits(net: BuiltNetwork, adjustment: Float32Array, body: () => void): void {
  const bias = logitsBias(net);
  const saved = tf.clone(bias);
  try {
    adjustLogits(net, adjustment);
    body();
  } finally {
    bias.assign(saved);
    saved.dispose();
  }
}

/** The images at `indices` as NHWC [B, 48, 48, 1] floats in [0, 1], each through `augment` when given. */
export function imagePixels(pixels: Uint8Array, indices: readonly number[], augment?: { kind: Augmentation; random: () => number }): Float32Array {
  const batch = new Float32Array(indices.length * FACE_PIXELS);
  indices.forEach((index, n) => {
    const image = pixels.subarray(index * FACE_PIXELS, (index + 1) * FACE_PIXELS);
    const out = batch.subarray(n * FACE_PIXELS, (n + 1) * FACE_PIXELS);
    if (augment) augmentInto(image, out, FACE_SIZE, augment.kind, augment.random);
    else for (let p = 0; p < FACE_PIXELS; p++) out[p] = image[p]! / 255;
  });
  return batch;
}

/** Logits [B, 7] of a batch (training: batch statistics, updating the running ones, and dropout). */
export function logits(net: BuiltNetwork, x: tf.Tensor4D, options: ForwardOptions): tf.Tensor2D {
  return tf.reshape(forward(net, x, options), [x.shape[0], NUM_EXPRESSIONS]);
}

/** Class-weighted softmax cross entropy of a training batch, optionally against smoothed targets. */
export function classifierLoss(net: BuiltNetwork, x: tf.Tensor4D, y: tf.Tensor1D, weights: tf.Tensor1D, labelSmoothing: number, context: Omit<ForwardOptions, 'training'> = {}): tf.Scalar {
  const perSample = tf.losses.softmaxCrossEntropy(tf.oneHot(y, NUM_EXPRESSIONS), logits(net, x, { training: true, ...context }), undefined, labelSmoothing, tf.Reduction.NONE);
  return tf.mean(tf.mul(perSample, tf.gather(weights, y)));
}

/** One replica's part of a data-parallel step (see {@link shardBatch}). */
export interface ReplicaShare {
  replicas: ReplicaContext;
  /** What this shard's mean loss is multiplied by, so that the replicas' averaged gradients are the whole batch's. */
  lossScale: number;
}

/**
 * The loss of a batch and its gradients by variable name; on a replica, its shard's scaled loss
 * and the gradients averaged over all replicas (the whole batch's). Call inside tf.tidy.
 */
export function classifierGradients(net: BuiltNetwork, x: tf.Tensor4D, y: tf.Tensor1D, weights: tf.Tensor1D, labelSmoothing: number, share?: ReplicaShare, random?: () => number): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  const variables = [...net.weights.values()];
  const loss = (): tf.Scalar => {
    const mean = classifierLoss(net, x, y, weights, labelSmoothing, { replicas: share?.replicas, random });
    return share ? tf.mul(mean, share.lossScale) : mean;
  };
  const { value, grads } = tf.variableGrads(loss, variables);
  return { value, grads: share ? averageGradients(grads, variables, share.replicas) : grads };
}

/** One optimiser step on a batch, or on one replica's shard of it; returns the (scaled) loss. */
export function trainStep(net: BuiltNetwork, optimizer: tf.Optimizer, x: tf.Tensor4D, y: tf.Tensor1D, weights: tf.Tensor1D, labelSmoothing: number, share?: ReplicaShare, random?: () => number): number {
  return tf.tidy(() => {
    const { value, grads } = classifierGradients(net, x, y, weights, labelSmoothing, share, random);
    optimizer.applyGradients(grads);
    return value.dataSync()[0]!;
  });
}

/** A batch as the trainers take it. */
export interface ClassifierBatch {
  /** NHWC [B, 48, 48, 1] in [0, 1]. */
  images: Float32Array;
  labels: Int32Array;
  learningRate: number;
  /** Seeds the batch's dropout masks. */
  seed: number;
}

export interface StepSettings {
  /** Adam's initial learning rate (each batch brings its own). */
  learningRate: number;
  classWeights: Float32Array;
  labelSmoothing: number;
}

/** Adam on `net` in this thread: the reference path, and each replica's own. Dispose it when done. */
export function classifierOptimizer(net: BuiltNetwork, settings: StepSettings) {
  const weights = tf.tensor1d(settings.classWeights);
  const optimizer = tf.train.adam(settings.learningRate);
  // tfjs reads the rate at every update but declares it protected; the schedule sets it per step.
  const rate = optimizer as unknown as { learningRate: number };
  return {
    step(batch: ClassifierBatch, share?: ReplicaShare): number {
      rate.learningRate = batch.learningRate;
      const x = tf.tensor4d(batch.images, [batch.labels.length, FACE_SIZE, FACE_SIZE, 1]);
      const y = tf.tensor1d(batch.labels, 'int32');
      try {
        return trainStep(net, optimizer, x, y, weights, settings.labelSmoothing, share, seededRandom(batch.seed));
      } finally {
        tf.dispose([x, y]);
      }
    },
    dispose(): void {
      weights.dispose();
      optimizer.dispose();
    },
  };
}

/**
 * Replica r's share of `batch`: contiguous shards, the first ones an image larger when the batch
 * does not divide. A batch smaller than the replica count (an epoch's last) goes whole to every
 * replica: averaging their identical sums and gradients changes nothing.
 */
export function shardBatch(batch: ClassifierBatch, size: number): Array<ClassifierBatch & { lossScale: number }> {
  const count = batch.labels.length;
  if (count < size) return Array.from({ length: size }, () => ({ ...batch, lossScale: 1 }));
  return Array.from({ length: size }, (_, rank) => {
    const from = Math.floor((rank * count) / size);
    const to = Math.floor(((rank + 1) * count) / size);
    return {
      images: batch.images.slice(from * FACE_PIXELS, to * FACE_PIXELS),
      labels: batch.labels.slice(from, to),
      learningRate: batch.learningRate,
      // Far apart from the next batches' seeds, so no two shards of a run share dropout masks.
      seed: (batch.seed + rank * 0x9e3779b9) >>> 0,
      lossScale: (size * (to - from)) / count,
    };
  });
}

/** Trains a network batch by batch; `sync` brings the caller's network up to date. */
export interface ClassifierTrainer {
  step(batch: ClassifierBatch): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Replicas {@link trainClassifier} uses by default: FACEAUG_WORKERS, else one per thread this
 * thread may use (every core on the main thread; one in each of several pool workers, which keep
 * the cores busy already). 1 on backends without faceaug's batch-norm kernel: the native
 * TensorFlow ones thread inside their own kernels.
 */
export async function classifierWorkers(requested?: number): Promise<number> {
  if (requested !== undefined) return workerCount(requested);
  const backend = await initBackend();
  return backend.tfjsName === 'wasm' ? Math.min(workerCount(), backend.threads) : 1;
}

/**
 * A trainer for `net` over `workers` replicas (see {@link classifierWorkers}). With one, `net`
 * trains on this thread; with more, each worker thread trains a copy with its shard of every
 * batch, batch norm's statistics and the gradients all-reduced over them, and `sync` copies the
 * weights back.
 */
export async function startClassifierTrainer(net: BuiltNetwork, settings: StepSettings, workers: number): Promise<ClassifierTrainer> {
  if (workers === 1) {
    const optimizer = classifierOptimizer(net, settings);
    return {
      step: async (batch) => void optimizer.step(batch),
      sync: async () => {},
      close: async () => optimizer.dispose(),
    };
  }
  const config: ClassifierReplicaConfig = { spec: net.spec, weights: readWeights(net), settings };
  const group = await ReplicaGroup.start({ program: REPLICA, config, workers, backend: (await initBackend()).choice });
  return {
    step: async (batch) => void (await group.all('step', shardBatch(batch, workers))),
    sync: async () => loadWeights(net, await group.one<NamedWeights>(0, 'weights')),
    close: () => group.close(),
  };
}

/**
 * Trains `net` on the images at `indices` with cross entropy and Adam, making up for rare classes
 * as `options.classBalance` says (`onEpoch` sees the logits adjusted, as they will end).
 */
export async function trainClassifier(net: BuiltNetwork, pixels: Uint8Array, labels: ArrayLike<number>, indices: readonly number[], options: TrainOptions): Promise<void> {
  const weights = options.classBalance === 'weights' ? classWeights(labels, indices) : new Float32Array(NUM_EXPRESSIONS).fill(1);
  const adjustment = options.classBalance === 'logits' ? logitAdjustment(labels, indices) : undefined;
  const settings: StepSettings = { learningRate: options.learningRate, classWeights: weights, labelSmoothing: options.labelSmoothing };
  const trainer = await startClassifierTrainer(net, settings, await classifierWorkers(options.workers));
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
        await trainer.step({
          learningRate: learningRateAt(options.schedule, options.learningRate, done, total),
          images: imagePixels(pixels, batch, { kind: augment, random }),
          labels: Int32Array.from(batch, (i) => labels[i]!),
          // From the seed and step, not drawn from `random`, so that the batches do not depend on dropout.
          seed: (Math.imul(options.seed, 0x85ebca6b) + done) >>> 0,
        });
        // With replicas this thread runs no kernel, whose call would notice a parent pool stopping
        // it; it must stop on its own and close them (terminating it would kill them mid-kernel).
        throwIfStopped();
        // Counted apart from the optional call: `f?.(++done)` skips its arguments when there is no
        // f, which left every step of a run without a progress callback at the schedule's step 0.
        done++;
        options.onBatch?.(done, total);
        // Yield so progress bars and signals get a turn during long CPU-bound training on this thread.
        if (done % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      await trainer.sync();
      const onEpoch = () => options.onEpoch?.(epoch + 1);
      if (adjustment) withAdjustedLogits(net, adjustment, onEpoch);
      else onEpoch();
    }
    if (adjustment) adjustLogits(net, adjustment);
  } finally {
    await trainer.close();
  }
}

/**
 * Softmax probabilities, count x 7 row-major, for the images at `indices`; with test-time
 * augmentation, the mean over each face's views (mirrored, moved: what training showed it too).
 */
export function predictProbabilities(
  net: BuiltNetwork,
  pixels: Uint8Array,
  indices: readonly number[],
  batchSize: number,
  augmentation: TestAugmentation = NO_TEST_AUGMENTATION,
): Float32Array {
  const out = new Float32Array(indices.length * NUM_EXPRESSIONS);
  const views = testViews(augmentation);
  const shape = (n: number): [number, number, number, number] => [n, FACE_SIZE, FACE_SIZE, 1];
  const predict = (faces: Float32Array, n: number) => tf.softmax(logits(net, tf.tensor4d(faces, shape(n)), { training: false }));
  for (let start = 0; start < indices.length; start += batchSize) {
    const batch = indices.slice(start, start + batchSize);
    const faces = imagePixels(pixels, batch);
    // One view at a time: ten views' activations at once outgrow the wasm heap.
    let sum = tf.tidy(() => predict(viewFaces(faces, views[0]!), batch.length));
    for (const view of views.slice(1)) {
      const previous = sum;
      sum = tf.tidy(() => tf.add(previous, predict(viewFaces(faces, view), batch.length)));
      previous.dispose();
    }
    const probabilities = tf.tidy(() => tf.div(sum, views.length));
    sum.dispose();
    out.set(probabilities.dataSync(), start * NUM_EXPRESSIONS);
    probabilities.dispose();
  }
  return out;
}
