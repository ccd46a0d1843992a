import { argmaxRows } from '../classifier/argmax.js';
/** Classification metrics of one model on one labelled set, from its class probabilities. */
export interface ClassificationMetrics {
  /** Per class; NaN for a class absent from the labels (AUC, recall) or never predicted nor present. */
  precision: number[];
  recall: number[];
  auc: number[];
  f1: number[];
  /** Means over the classes present in the labels. */
  meanPrecision: number;
  meanAuc: number;
  macroF1: number;
  accuracy: number;
  count: number;
}

/** classes x classes counts: confusion[truth * classes + predicted]. */
export function confusionMatrix(labels: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): Float64Array {
  const confusion = new Float64Array(classes * classes);
  for (let n = 0; n < labels.length; n++) confusion[labels[n]! * classes + predicted[n]!]!++;
  return confusion;
}

/**
 * Precision, recall and F1 of each class. A class that is never predicted has precision 0 (as
 * scikit-learn's default), so a classifier that ignores Disgust is scored down, not skipped.
 */
export function perClassScores(confusion: Float64Array, classes: number): { precision: number[]; recall: number[]; f1: number[] } {
  const precision: number[] = [];
  const recall: number[] = [];
  const f1: number[] = [];
  for (let c = 0; c < classes; c++) {
    let predicted = 0;
    let actual = 0;
    for (let k = 0; k < classes; k++) {
      predicted += confusion[k * classes + c]!;
      actual += confusion[c * classes + k]!;
    }
    const tp = confusion[c * classes + c]!;
    const p = predicted > 0 ? tp / predicted : actual > 0 ? 0 : NaN;
    const r = actual > 0 ? tp / actual : NaN;
    precision.push(p);
    recall.push(r);
    f1.push(Number.isNaN(r) ? NaN : p + r > 0 ? (2 * p * r) / (p + r) : 0);
  }
  return { precision, recall, f1 };
}

/**
 * Area under the ROC curve of `scores` for separating positives from negatives, as the
 * Mann-Whitney statistic: the probability that a random positive outscores a random negative,
 * ties counting one half (average ranks). NaN when either group is empty.
 */
export function rocAuc(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1]!] === scores[order[start]!]) end++;
    // Ranks start..end (0-based) share their mean, 1-based.
    const rank = (start + end) / 2 + 1;
    for (let i = start; i <= end; i++) {
      if (positive[order[i]!]) {
        positives++;
        rankSum += rank;
      }
    }
    start = end + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Mean of the values that are numbers (a class missing from a set has NaN scores). */
export function meanDefined(values: readonly number[]): number {
  const defined = values.filter((v) => !Number.isNaN(v));
  return defined.length === 0 ? NaN : defined.reduce((a, b) => a + b, 0) / defined.length;
}

/** Every metric of one model on one set: `probabilities` is count x classes, row-major. */
export function classificationMetrics(probabilities: ArrayLike<number>, labels: ArrayLike<number>, classes: number): ClassificationMetrics {
  if (probabilities.length !== labels.length * classes) {
    throw new RangeError(`${probabilities.length} probabilities for ${labels.length} labels of ${classes} classes`);
  }
  const predicted = argmaxRows(probabilities, classes);
  const confusion = confusionMatrix(labels, predicted, classes);
  const { precision, recall, f1 } = perClassScores(confusion, classes);
  const present = new Set(Array.from(labels));
  const auc = Array.from({ length: classes }, (_, c) => {
    const scores = Float64Array.from({ length: labels.length }, (_, n) => probabilities[n * classes + c]!);
    return rocAuc(scores, Array.from(labels, (label) => label === c));
  });
  let correct = 0;
  for (let n = 0; n < labels.length; n++) if (predicted[n] === labels[n]) correct++;
  const overPresent = (values: number[]) => meanDefined(values.map((v, c) => (present.has(c) ? v : NaN)));
  return {
    precision,
    recall,
    auc,
    f1,
    meanPrecision: overPresent(precision),
    meanAuc: overPresent(auc),
    macroF1: overPresent(f1),
    accuracy: labels.length === 0 ? NaN : correct / labels.length,
    count: labels.length,
  };
}
