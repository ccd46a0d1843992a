import { readFile } from 'node:fs/promises';
import { FACE_PIXELS } from '../../core/image-codec.js';
import * as tf from '../tfjs/tf.js';
import { NUM_EXPRESSIONS } from '../../core/expressions.js';
import { loadDataset } from '../data/dataset-store.js';
import { disposeEnsemble, ensembleProbabilities, trainEnsemble } from '../classifier/ensemble.js';
import { classificationMetrics, type ClassificationMetrics } from './metrics.js';
import type { FoldPlan } from './plan.js';
import type { ClassifierSettings } from '../classifier/options.js';
import type { FoldArm } from '../../db/fold-queue.js';

export type { ClassifierSettings } from '../classifier/options.js';

/** One classifier of a fold, sent to a pool worker: everything it needs is on disk or in here. */
export interface ArmJob extends FoldPlan {
  arm: FoldArm;
  dataDir: string;
  datasetId: string;
  /** Raw grey synthetic images (count x 2304 bytes) and the label the augmented arm adds them under. */
  syntheticFile: string;
  targetLabel: number;
  test: number[];
  classifier: ClassifierSettings;
}

export interface ArmResult {
  test: ClassificationMetrics;
  heldOut: ClassificationMetrics;
  trainMs: number;
}

/** A trained and scored arm, as a pool worker returns it and a fold queue stores it. */
export interface ArmOutcome {
  repeat: number;
  fold: number;
  arm: FoldArm;
  /** Synthetic images it trained on (0 for the baseline). */
  synthetic: number;
  result: ArmResult;
  /** Tensors alive after the model was disposed; anything but 0 is a leak. */
  leakedTensors: number;
}

export interface FoldResult {
  repeat: number;
  fold: number;
  seed: number;
  trainReal: number;
  synthetic: number;
  heldOut: number;
  testCount: number;
  baseline: ArmResult;
  augmented: ArmResult;
  baselineReused: boolean;
  /** Tensors alive after both models were disposed; anything but 0 is a leak. */
  leakedTensors: number;
}

interface Pixels {
  pixels: Uint8Array;
  labels: Uint8Array;
  /** Index of the first synthetic image in `pixels`. */
  realCount: number;
  syntheticCount: number;
}

// A worker serves many arms of one validation; the data set is read once per worker.
let cached: { key: string; value: Promise<Pixels> } | undefined;

async function loadPixels(job: ArmJob): Promise<Pixels> {
  const dataset = await loadDataset(job.dataDir, job.datasetId);
  const synthetic = new Uint8Array(await readFile(job.syntheticFile));
  const realCount = dataset.labels.length;
  const syntheticCount = synthetic.length / FACE_PIXELS;
  // One buffer, real then synthetic, so the trainer indexes both the same way.
  const pixels = new Uint8Array(dataset.pixels.length + synthetic.length);
  pixels.set(dataset.pixels);
  pixels.set(synthetic, dataset.pixels.length);
  const labels = new Uint8Array(realCount + syntheticCount);
  labels.set(dataset.labels);
  labels.fill(job.targetLabel, realCount);
  return { pixels, labels, realCount, syntheticCount };
}

async function trainAndScore(data: Pixels, job: ArmJob, trainIndices: number[]): Promise<ArmResult> {
  const started = performance.now();
  const members = await trainEnsemble(job.classifier, data.pixels, data.labels, trainIndices, { seed: job.seed });
  try {
    const trainMs = performance.now() - started;
    const score = (indices: number[]) =>
      classificationMetrics(ensembleProbabilities(members, data.pixels, indices, job.classifier), Array.from(indices, (i) => data.labels[i]!), NUM_EXPRESSIONS);
    return { test: score(job.test), heldOut: score(job.heldOut), trainMs };
  } finally {
    disposeEnsemble(members);
  }
}

/**
 * One arm of a fold's paired comparison: the baseline classifier on the fold's real training
 * images, or the augmented one on the same images plus every synthetic image. Both arms of a fold
 * start from the same seed, and each is deterministic given it, so they may run on any thread or
 * machine; both are scored on the fixed test set and on the fold's held-out real images.
 */
export async function run(job: ArmJob): Promise<ArmOutcome> {
  const key = `${job.dataDir}\n${job.datasetId}\n${job.syntheticFile}\n${job.targetLabel}`;
  if (cached?.key !== key) cached = { key, value: loadPixels(job) };
  const data = await cached.value;
  const before = tf.memory().numTensors;
  const synthetic = job.arm === 'augmented' ? Array.from({ length: data.syntheticCount }, (_, n) => data.realCount + n) : [];
  const result = await trainAndScore(data, job, [...job.train, ...synthetic]);
  return { repeat: job.repeat, fold: job.fold, arm: job.arm, synthetic: synthetic.length, result, leakedTensors: tf.memory().numTensors - before };
}
