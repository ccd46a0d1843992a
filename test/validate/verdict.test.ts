import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FoldResult } from '../../trainer/validate/fold-task.js';
import type { ClassificationMetrics } from '../../trainer/validate/metrics.js';
import { decide, summarizeSet } from '../../trainer/validate/verdict.js';

/** Metrics where every class has `auc` except the target (class 1), which has `targetAuc`. */
function metrics(auc: number, targetAuc: number): ClassificationMetrics {
  const perClass = Array.from({ length: 7 }, (_, c) => (c === 1 ? targetAuc : auc));
  const mean = perClass.reduce((a, b) => a + b, 0) / 7;
  return { precision: perClass, recall: perClass, auc: perClass, f1: perClass, meanPrecision: mean, meanAuc: mean, macroF1: mean, accuracy: mean, count: 700 };
}

function fold(i: number, base: [number, number], aug: [number, number]): FoldResult {
  const arm = (m: ClassificationMetrics) => ({ test: m, heldOut: m, trainMs: 1000 });
  return { repeat: 0, fold: i, seed: i, trainReal: 900, synthetic: 100, heldOut: 100, testCount: 700, baseline: arm(metrics(...base)), augmented: arm(metrics(...aug)), baselineReused: false, leakedTensors: 0 };
}

// Target AUC gains 0.02 +- a little per fold; the other classes stay put.
const wobble = [0.001, -0.002, 0.0015, 0, -0.001, 0.002, -0.0005, 0.001, -0.0015, 0.0005];
const helping = wobble.map((w, i) => fold(i, [0.9, 0.8 + w], [0.9, 0.82 + w + w / 2]));

test('summaries: per-class means and sds over folds, paired comparisons of the target class', () => {
  const summary = summarizeSet(helping, 'test', 1, 1);
  const meanWobble = wobble.reduce((a, b) => a + b, 0) / wobble.length;
  assert.ok(Math.abs(summary.baseline.auc.mean[1]! - (0.8 + meanWobble)) < 1e-12);
  assert.ok(summary.baseline.auc.sd[0]! < 1e-12, 'class 0 never moves');
  const target = summary.comparisons.targetAuc;
  assert.equal(target.t.n, 10);
  assert.ok(Math.abs(target.t.meanDifference - (0.02 + meanWobble / 2)) < 1e-12);
  // n_test / n_train = 700 / 900 widens the corrected interval a lot.
  assert.ok(target.correctedT.p > target.t.p);
  assert.ok(Math.abs(summary.comparisons.meanAuc.t.meanDifference - (0.02 + meanWobble / 2) / 7) < 1e-12);
});

test('verdict: accept a significant target gain, reject noise, reject a gain that costs mean AUC', () => {
  const rule = { statistic: 't' as const, alpha: 0.05, tolerance: 0.005 };
  const accepted = decide(summarizeSet(helping, 'test', 1, 1), rule);
  assert.equal(accepted.accepted, true, accepted.reasons.join('; '));

  const noise = wobble.map((w, i) => fold(i, [0.9, 0.8], [0.9, 0.8 + 10 * w]));
  const rejected = decide(summarizeSet(noise, 'test', 1, 1), rule);
  assert.equal(rejected.accepted, false);
  assert.match(rejected.reasons[0]!, /not a significant improvement/);

  const costly = wobble.map((w, i) => fold(i, [0.9, 0.8 + w], [0.88, 0.84 + w]));
  const dropped = decide(summarizeSet(costly, 'test', 1, 1), rule);
  assert.equal(dropped.accepted, false);
  assert.match(dropped.reasons[1]!, /dropped by 0\.0114/);
});
