import { seededRandom } from '../../core/random.js';
import { studentTQuantile, studentTTwoSided } from './student-t.js';

export interface PairedComparison {
  /** Pairs compared (folds). */
  n: number;
  baselineMean: number;
  augmentedMean: number;
  /** Mean of augmented - baseline, and its confidence interval. */
  meanDifference: number;
  ciLow: number;
  ciHigh: number;
  /** Standard deviation of the differences (n - 1). */
  sdDifference: number;
  t: number;
  df: number;
  /** Two-sided p-value of "no difference". */
  p: number;
}

export interface PairedOptions {
  /** Coverage of the interval (default 0.95). */
  confidence?: number;
  /**
   * Nadeau and Bengio's corrected resampled t-test: the variance of the mean is
   * (1/n + testFraction) s², not s²/n. Folds of repeated cross-validation share most of their
   * training data, so their differences are positively correlated and the plain paired t-test
   * is overconfident. testFraction is n_test / n_train of one fold; 0 gives the plain test.
   */
  testFraction?: number;
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

function differences(baseline: readonly number[], augmented: readonly number[]): number[] {
  if (baseline.length !== augmented.length) throw new RangeError(`paired samples differ in length: ${baseline.length} vs ${augmented.length}`);
  return augmented.map((a, i) => a - baseline[i]!);
}

/** Paired t-test and t interval of augmented - baseline over matched folds. */
export function pairedTTest(baseline: readonly number[], augmented: readonly number[], options: PairedOptions = {}): PairedComparison {
  const diffs = differences(baseline, augmented);
  const n = diffs.length;
  const confidence = options.confidence ?? 0.95;
  const base = { n, baselineMean: n ? mean(baseline) : NaN, augmentedMean: n ? mean(augmented) : NaN, df: n - 1 };
  if (n < 2) {
    const d = n ? diffs[0]! : NaN;
    return { ...base, meanDifference: d, ciLow: NaN, ciHigh: NaN, sdDifference: NaN, t: NaN, p: NaN };
  }
  const d = mean(diffs);
  const sd = Math.sqrt(diffs.reduce((sum, x) => sum + (x - d) ** 2, 0) / (n - 1));
  const se = sd * Math.sqrt(1 / n + (options.testFraction ?? 0));
  if (se === 0) {
    // Identical differences: no spread to test against; a nonzero shift is as certain as data gets.
    return { ...base, meanDifference: d, ciLow: d, ciHigh: d, sdDifference: 0, t: d === 0 ? 0 : Math.sign(d) * Infinity, p: d === 0 ? 1 : 0 };
  }
  const t = d / se;
  const q = studentTQuantile(1 - (1 - confidence) / 2, n - 1);
  return { ...base, meanDifference: d, ciLow: d - q * se, ciHigh: d + q * se, sdDifference: sd, t, p: studentTTwoSided(t, n - 1) };
}

export interface BootstrapResult {
  meanDifference: number;
  ciLow: number;
  ciHigh: number;
  /** Two-sided: twice the smaller share of resampled means on either side of 0 (at least 1/resamples). */
  p: number;
  resamples: number;
}

/**
 * Below this many pairs a percentile bootstrap has too few distinct resamples to mean anything:
 * with 3 folds that all moved the same way, every resample does too, and p would read 1/resamples.
 */
export const MIN_BOOTSTRAP_PAIRS = 10;

/** Paired percentile bootstrap of the mean difference: resamples folds with replacement, seeded. NaN below MIN_BOOTSTRAP_PAIRS. */
export function pairedBootstrap(
  baseline: readonly number[],
  augmented: readonly number[],
  { resamples = 10_000, seed = 1, confidence = 0.95 }: { resamples?: number; seed?: number; confidence?: number } = {},
): BootstrapResult {
  const diffs = differences(baseline, augmented);
  const n = diffs.length;
  if (n < MIN_BOOTSTRAP_PAIRS) return { meanDifference: n ? mean(diffs) : NaN, ciLow: NaN, ciHigh: NaN, p: NaN, resamples };
  const random = seededRandom(seed);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += diffs[Math.floor(random() * n)]!;
    means[r] = sum / n;
  }
  means.sort();
  const at = (q: number) => means[Math.min(resamples - 1, Math.max(0, Math.floor(q * resamples)))]!;
  const alpha = 1 - confidence;
  let below = 0;
  let above = 0;
  for (const m of means) {
    if (m <= 0) below++;
    if (m >= 0) above++;
  }
  const p = Math.min(1, Math.max(1 / resamples, (2 * Math.min(below, above)) / resamples));
  return { meanDifference: mean(diffs), ciLow: at(alpha / 2), ciHigh: at(1 - alpha / 2), p, resamples };
}
