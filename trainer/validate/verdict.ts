import { NUM_EXPRESSIONS } from '../../core/expressions.js';
import type { ClassificationMetrics } from './metrics.js';
import type { FoldResult } from './fold-task.js';
import { type BootstrapResult, type PairedComparison, pairedBootstrap, pairedTTest } from './paired.js';

export const STATISTICS = ['corrected-t', 't', 'bootstrap'] as const;
export type Statistic = (typeof STATISTICS)[number];
export const SCORED_SETS = ['test', 'heldOut'] as const;
export type ScoredSet = (typeof SCORED_SETS)[number];

export interface Comparison {
  t: PairedComparison;
  correctedT: PairedComparison;
  bootstrap: BootstrapResult;
}

export interface ArmSummary {
  /** Mean and standard deviation over folds, per class. */
  precision: { mean: number[]; sd: number[] };
  auc: { mean: number[]; sd: number[] };
  meanPrecision: number;
  meanAuc: number;
  accuracy: number;
  macroF1: number;
}

export interface SetSummary {
  baseline: ArmSummary;
  augmented: ArmSummary;
  comparisons: Record<'meanAuc' | 'targetAuc' | 'meanPrecision' | 'targetPrecision' | 'accuracy' | 'macroF1', Comparison>;
}

export interface VerdictRule {
  statistic: Statistic;
  alpha: number;
  /** Largest tolerated drop of mean AUC (on the fixed test set). */
  tolerance: number;
}

/** The rule `faceaug validate` applies unless told otherwise. */
export const DEFAULT_RULE: VerdictRule = { statistic: 'corrected-t', alpha: 0.05, tolerance: 0.005 };

export interface Verdict {
  accepted: boolean;
  reasons: string[];
  rule: VerdictRule;
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const sd = (values: readonly number[]) => {
  if (values.length < 2) return NaN;
  const m = mean(values);
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1));
};

function summarizeArm(metrics: ClassificationMetrics[]): ArmSummary {
  const perClass = (pick: (m: ClassificationMetrics) => number[]) => {
    const columns = Array.from({ length: NUM_EXPRESSIONS }, (_, c) => metrics.map((m) => pick(m)[c]!));
    return { mean: columns.map(mean), sd: columns.map(sd) };
  };
  return {
    precision: perClass((m) => m.precision),
    auc: perClass((m) => m.auc),
    meanPrecision: mean(metrics.map((m) => m.meanPrecision)),
    meanAuc: mean(metrics.map((m) => m.meanAuc)),
    accuracy: mean(metrics.map((m) => m.accuracy)),
    macroF1: mean(metrics.map((m) => m.macroF1)),
  };
}

/**
 * Baseline vs augmented over the folds on one scored set. `testFraction` (scored images per real
 * training image) feeds the corrected t-test: the folds' classifiers share most of their data.
 */
export function summarizeSet(folds: readonly FoldResult[], set: ScoredSet, target: number, seed: number): SetSummary {
  const arm = (which: 'baseline' | 'augmented') => folds.map((f) => f[which][set]);
  const baseline = arm('baseline');
  const augmented = arm('augmented');
  const testFraction = mean(folds.map((f) => (set === 'heldOut' ? f.heldOut : f.testCount) / f.trainReal));
  const compare = (pick: (m: ClassificationMetrics) => number): Comparison => {
    const b = baseline.map(pick);
    const a = augmented.map(pick);
    return { t: pairedTTest(b, a), correctedT: pairedTTest(b, a, { testFraction }), bootstrap: pairedBootstrap(b, a, { seed }) };
  };
  return {
    baseline: summarizeArm(baseline),
    augmented: summarizeArm(augmented),
    comparisons: {
      meanAuc: compare((m) => m.meanAuc),
      targetAuc: compare((m) => m.auc[target]!),
      meanPrecision: compare((m) => m.meanPrecision),
      targetPrecision: compare((m) => m.precision[target]!),
      accuracy: compare((m) => m.accuracy),
      macroF1: compare((m) => m.macroF1),
    },
  };
}

export function pValue(comparison: Comparison, statistic: Statistic): number {
  return statistic === 't' ? comparison.t.p : statistic === 'corrected-t' ? comparison.correctedT.p : comparison.bootstrap.p;
}

/**
 * Accept when the target class's AUC on the fixed test set improves significantly and the mean
 * AUC does not drop by more than the tolerance: a translator that helps Disgust by hurting every
 * other class is not worth serving.
 */
export function decide(summary: SetSummary, rule: VerdictRule): Verdict {
  const target = summary.comparisons.targetAuc;
  const meanAuc = summary.comparisons.meanAuc;
  const p = pValue(target, rule.statistic);
  const reasons: string[] = [];
  const gain = target.t.meanDifference;
  const improved = gain > 0 && p < rule.alpha;
  reasons.push(
    improved
      ? `target AUC improved by +${gain.toFixed(4)} (p = ${p.toPrecision(3)} < ${rule.alpha}, ${rule.statistic})`
      : `target AUC changed by ${gain >= 0 ? '+' : ''}${gain.toFixed(4)}, p = ${p.toPrecision(3)} (${rule.statistic}): not a significant improvement at ${rule.alpha}`,
  );
  const drop = meanAuc.t.meanDifference;
  const kept = drop >= -rule.tolerance;
  reasons.push(
    kept
      ? `mean AUC changed by ${drop >= 0 ? '+' : ''}${drop.toFixed(4)}; a drop of up to ${rule.tolerance} is tolerated`
      : `mean AUC dropped by ${(-drop).toFixed(4)}, more than the tolerance of ${rule.tolerance}`,
  );
  return { accepted: improved && kept, reasons, rule };
}
