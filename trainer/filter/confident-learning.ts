import { argmaxRows } from '../classifier/argmax.js';
import { byClass } from '../data/by-class.js';

/**
 * Confident learning (Northcutt, Jiang & Chuang, JAIR 2021; the method behind cleanlab) on
 * out-of-fold predicted probabilities. Every function takes the given labels of n samples and
 * their probabilities as a row-major n x K matrix; positions are rows of that matrix. Matrices
 * are K x K, rows the given label i, columns the true label j.
 */

export type Matrix = number[][];

/**
 * Probabilities at most this far below a threshold still reach it, as in cleanlab: a threshold is a
 * mean, and the mean of equal values can land a rounding error above each of them.
 */
const THRESHOLD_TOLERANCE = 1e-6;

/** K of an n x K matrix; 0 for no samples, which every function here takes as nothing to estimate. */
function classCount(labels: ArrayLike<number>, probabilities: ArrayLike<number>): number {
  if (labels.length === 0 && probabilities.length === 0) return 0;
  const classes = probabilities.length / labels.length;
  if (!Number.isInteger(classes) || classes < 1) throw new RangeError(`expected n x K probabilities for ${labels.length} labels, got ${probabilities.length} values`);
  return classes;
}

const positions = (labels: ArrayLike<number>) => Array.from({ length: labels.length }, (_, n) => n);
const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
const zeros = (classes: number): Matrix => Array.from({ length: classes }, () => new Array<number>(classes).fill(0));

/**
 * t_j, the mean of p_j over the samples labelled j (each class's mean self-confidence). A class
 * nobody is labelled with gets Infinity: no sample can be confidently counted into it.
 */
export function confidentThresholds(labels: ArrayLike<number>, probabilities: ArrayLike<number>): number[] {
  const classes = classCount(labels, probabilities);
  const groups = byClass(positions(labels), labels);
  return Array.from({ length: classes }, (_, j) => {
    const members = groups.get(j);
    return members ? sum(members.map((n) => probabilities[n * classes + j]!)) / members.length : Number.POSITIVE_INFINITY;
  });
}

/** The class sample n is confidently counted into: the likeliest of those at or above their threshold; -1 when none is. */
function confidentClass(probabilities: ArrayLike<number>, n: number, classes: number, thresholds: readonly number[]): number {
  let best = -1;
  for (let j = 0; j < classes; j++) {
    const p = probabilities[n * classes + j]!;
    if (p >= thresholds[j]! - THRESHOLD_TOLERANCE && (best < 0 || p > probabilities[n * classes + best]!)) best = j;
  }
  return best;
}

/**
 * The confident joint C[i][j]: samples labelled i that are confidently j (the paper's argmax over
 * the classes at or above their thresholds; cleanlab takes the argmax over all classes when two or
 * more pass, which differs only when the likeliest class is below its threshold). Samples with no
 * class at its threshold are not counted.
 */
export function confidentJoint(labels: ArrayLike<number>, probabilities: ArrayLike<number>, thresholds: readonly number[]): Matrix {
  const classes = classCount(labels, probabilities);
  const joint = zeros(classes);
  for (let n = 0; n < labels.length; n++) {
    const j = confidentClass(probabilities, n, classes, thresholds);
    if (j >= 0) joint[labels[n]!]![j]!++;
  }
  return joint;
}

/**
 * cleanlab's calibrate_confident_joint: each row scaled to its class's label count, so the joint
 * estimates counts of the whole data set rather than of its confident part. As cleanlab's
 * compute_confident_joint does, the diagonal is first raised to at least 1, so a labelled class
 * always has a row to scale. cleanlab then scales the whole matrix to the number of samples; with
 * that diagonal every row already sums to its label count, so that step changes nothing here.
 */
export function calibrateJoint(joint: Matrix, labelCounts: readonly number[]): Matrix {
  return joint.map((row, i) => {
    const floored = row.map((count, j) => (i === j ? Math.max(count, 1) : count));
    const total = sum(floored);
    return floored.map((count) => (count * labelCounts[i]!) / total);
  });
}

/**
 * Each row rounded to integers that add up to the row's rounded total: floors, then one more for
 * the largest remainders (cleanlab's round_preserving_row_totals; ties go to the lower column).
 */
export function roundRows(matrix: Matrix): Matrix {
  return matrix.map((row) => {
    const rounded = row.map(Math.floor);
    const remainder = (j: number) => row[j]! - rounded[j]!;
    const order = row.map((_, j) => j).sort((a, b) => remainder(b) - remainder(a) || a - b);
    const missing = Math.round(sum(row)) - sum(rounded);
    for (const j of order.slice(0, missing)) rounded[j]!++;
    return rounded;
  });
}

/**
 * How many samples of each given class to prune into each true class: `counts` with every empty
 * diagonal given one sample from its row's largest off-diagonal entry, so pruning never empties
 * a class (cleanlab's min_examples_per_class = 1, which spreads that one over the row instead).
 */
export function pruneCounts(counts: Matrix): Matrix {
  return counts.map((row, i) => {
    const out = [...row];
    if (out[i]! > 0 || sum(out) === 0) return out;
    let largest = -1;
    for (let j = 0; j < out.length; j++) if (j !== i && (largest < 0 || out[j]! > out[largest]!)) largest = j;
    out[largest]!--;
    out[i]!++;
    return out;
  });
}

export interface NoiseEstimate {
  /** p(given label = i | true label = j): rows given, columns true; each column of a present class sums to 1. */
  noiseMatrix: Matrix;
  /** p(true label = j), the share of column j in the joint (cleanlab's py_method 'cnt'). */
  truePrior: number[];
}

/** The noise matrix and the true labels' prior of a calibrated joint; a true class without counts gets a zero column. */
export function noiseEstimate(joint: Matrix): NoiseEstimate {
  const columns = joint.map((_, j) => sum(joint.map((row) => row[j]!)));
  const total = sum(columns);
  return {
    noiseMatrix: joint.map((row) => row.map((count, j) => (columns[j]! > 0 ? count / columns[j]! : 0))),
    truePrior: columns.map((column) => column / total),
  };
}

export interface LabelNoise extends NoiseEstimate {
  thresholds: number[];
  /** The calibrated confident joint rounded to counts (rows sum to the label counts). */
  joint: Matrix;
  /** {@link pruneCounts} of the joint: what pruning removes, per given and true class. */
  prune: Matrix;
}

/** Thresholds, confident joint, its calibration and rounding, and the noise it implies, for n samples. */
export function estimateLabelNoise(labels: ArrayLike<number>, probabilities: ArrayLike<number>): LabelNoise {
  const thresholds = confidentThresholds(labels, probabilities);
  const groups = byClass(positions(labels), labels);
  const labelCounts = thresholds.map((_, i) => groups.get(i)?.length ?? 0);
  const joint = roundRows(calibrateJoint(confidentJoint(labels, probabilities, thresholds), labelCounts));
  return { thresholds, joint, prune: pruneCounts(joint), ...noiseEstimate(joint) };
}

/**
 * cleanlab's prune_by_noise_rate: for each off-diagonal (i, j), the prune[i][j] samples labelled
 * i with the largest margin p_j - p_i (the likeliest to be j rather than i; ties to the lower
 * position). As in cleanlab's find_label_issues, a sample whose likeliest class is its given label
 * is never flagged. Returns the flagged positions, ascending.
 */
export function pruneByNoiseRate(labels: ArrayLike<number>, probabilities: ArrayLike<number>, prune: Matrix): number[] {
  const classes = classCount(labels, probabilities);
  const flagged = new Set<number>();
  for (const [i, members] of byClass(positions(labels), labels)) {
    for (let j = 0; j < classes; j++) {
      const count = prune[i]![j]!;
      if (j === i || count <= 0) continue;
      const margin = (n: number) => probabilities[n * classes + j]! - probabilities[n * classes + i]!;
      for (const n of [...members].sort((a, b) => margin(b) - margin(a) || a - b).slice(0, count)) flagged.add(n);
    }
  }
  const predicted = argmaxRows(probabilities, classes);
  return [...flagged].filter((n) => predicted[n] !== labels[n]).sort((a, b) => a - b);
}

/** p(given label) per sample: the confidence filter's score and cleanlab's 'self_confidence'. */
export function selfConfidence(labels: ArrayLike<number>, probabilities: ArrayLike<number>): Float64Array {
  const classes = classCount(labels, probabilities);
  return Float64Array.from({ length: labels.length }, (_, n) => probabilities[n * classes + labels[n]!]!);
}

/**
 * (p(given label) - max p(other) + 1) / 2 per sample, in [0, 1]: cleanlab's 'normalized_margin'.
 * Below 1/2 the model prefers another class, which self-confidence does not say: p(given) = 0.4
 * leads when the rest is spread thin and loses to a 0.6.
 */
export function normalizedMargin(labels: ArrayLike<number>, probabilities: ArrayLike<number>): Float64Array {
  const classes = classCount(labels, probabilities);
  return Float64Array.from({ length: labels.length }, (_, n) => {
    const given = labels[n]!;
    let other = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < classes; j++) if (j !== given) other = Math.max(other, probabilities[n * classes + j]!);
    return (probabilities[n * classes + given]! - other + 1) / 2;
  });
}
