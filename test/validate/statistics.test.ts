import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logGamma, regularizedIncompleteBeta, studentTCdf, studentTQuantile, studentTTwoSided } from '../../trainer/validate/student-t.js';
import { pairedBootstrap, pairedTTest } from '../../trainer/validate/paired.js';

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);

test('log gamma matches factorials and Γ(1/2) = √π', () => {
  close(logGamma(1), 0, 1e-13, 'Γ(1)');
  close(logGamma(5), Math.log(24), 1e-12, 'Γ(5)');
  close(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-12, 'Γ(1/2)');
  close(logGamma(101), 363.73937555556347, 1e-9, 'Γ(101)');
});

test('regularized incomplete beta against closed forms and scipy.special.betainc', () => {
  close(regularizedIncompleteBeta(0.3, 1, 1), 0.3, 1e-14, 'I_x(1,1) = x');
  close(regularizedIncompleteBeta(0.3, 2, 1), 0.09, 1e-14, 'I_x(2,1) = x²');
  close(regularizedIncompleteBeta(0.3, 2.5, 0.5), 0.018927124071945658, 1e-12, 'betainc(2.5, 0.5, 0.3)');
  close(regularizedIncompleteBeta(0.8, 5, 3), 0.851968, 1e-12, 'betainc(5, 3, 0.8)');
  assert.equal(regularizedIncompleteBeta(0, 2, 3), 0);
  assert.equal(regularizedIncompleteBeta(1, 2, 3), 1);
  assert.throws(() => regularizedIncompleteBeta(1.5, 2, 3), /x in \[0, 1\]/);
});

test('Student t: textbook critical values, Cauchy and the df = 2 closed form', () => {
  close(studentTTwoSided(2.262, 9), 0.05001284550245463, 1e-10, 't = 2.262, df 9');
  close(studentTQuantile(0.975, 9), 2.262157162798205, 1e-9, 't_0.975,9');
  close(studentTQuantile(0.975, 29), 2.045229642132703, 1e-9, 't_0.975,29');
  close(studentTTwoSided(3, 29), 0.005499192133903412, 1e-10, 't = 3, df 29');
  close(studentTCdf(-1.5, 3.5), 0.10890909350767251, 1e-10, 'fractional df');
  close(studentTCdf(1, 1), 0.75, 1e-13, 'Cauchy');
  for (const t of [-3, -0.4, 0, 0.7, 5]) close(studentTCdf(t, 2), 0.5 + t / (2 * Math.sqrt(2 + t * t)), 1e-13, `df 2 at ${t}`);
  assert.equal(studentTTwoSided(0, 4), 1);
  close(studentTQuantile(0.025, 9), -2.262157162798205, 1e-9, 'lower quantile');
});

test('paired t-test against scipy.stats.ttest_rel', () => {
  const baseline = [0.91, 0.92, 0.9, 0.93, 0.915];
  const augmented = [0.915, 0.93, 0.905, 0.94, 0.915];
  const result = pairedTTest(baseline, augmented);
  close(result.t, 3.207134902949101, 1e-9, 't');
  close(result.p, 0.03267792333680272, 1e-9, 'p');
  assert.equal(result.df, 4);
  close(result.meanDifference, 0.006, 1e-12, 'mean difference');
  // 0.006 ± t_0.975,4 × sd / √5, sd of the differences 0.0041833 (numpy, ddof 1).
  const half = 2.7764451051977934 * (0.004183300132670377 / Math.sqrt(5));
  close(result.ciLow, 0.006 - half, 1e-9, 'ci low');
  close(result.ciHigh, 0.006 + half, 1e-9, 'ci high');
});

test('the corrected resampled t-test widens the interval by √(1 + n·testFraction)', () => {
  const baseline = [0.5, 0.6, 0.55, 0.52, 0.58, 0.61, 0.49, 0.57, 0.6, 0.53];
  const augmented = baseline.map((b, i) => b + 0.01 + 0.004 * Math.sin(i));
  const plain = pairedTTest(baseline, augmented);
  const corrected = pairedTTest(baseline, augmented, { testFraction: 1 / 9 });
  close(corrected.t, plain.t / Math.sqrt(1 + 10 / 9), 1e-9, 'corrected t');
  assert.ok(corrected.p > plain.p);
  close(corrected.ciHigh - corrected.ciLow, (plain.ciHigh - plain.ciLow) * Math.sqrt(1 + 10 / 9), 1e-12, 'width');
});

test('paired statistics at the edges: identical pairs, constant shift, one pair', () => {
  assert.equal(pairedTTest([1, 2, 3], [1, 2, 3]).p, 1);
  const shifted = pairedTTest([1, 2, 3], [1.5, 2.5, 3.5]);
  assert.equal(shifted.p, 0);
  assert.equal(shifted.ciLow, 0.5);
  assert.ok(Number.isNaN(pairedTTest([1], [2]).p));
  assert.throws(() => pairedTTest([1, 2], [1]), /differ in length/);
});

test('paired bootstrap: reproducible, centred on the mean difference, p small for a clear shift', () => {
  const baseline = [0.5, 0.6, 0.55, 0.52, 0.58, 0.61, 0.49, 0.57, 0.6, 0.53];
  const augmented = baseline.map((b, i) => b + 0.01 + 0.004 * Math.sin(i));
  const a = pairedBootstrap(baseline, augmented, { seed: 3 });
  assert.deepEqual(a, pairedBootstrap(baseline, augmented, { seed: 3 }));
  assert.ok(a.ciLow < a.meanDifference && a.meanDifference < a.ciHigh);
  assert.equal(a.p, 1 / a.resamples, 'every resampled mean is above 0');
  const noise = pairedBootstrap([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [1.1, 1.9, 3.1, 3.9, 5.1, 5.9, 7.1, 6.9, 9.1, 10.1]);
  assert.ok(noise.p > 0.5 && noise.ciLow < 0 && noise.ciHigh > 0, JSON.stringify(noise));
  // Three pairs of one sign would give p = 1/resamples: too few pairs to bootstrap.
  const few = pairedBootstrap([1, 2, 3], [1.1, 2.2, 3.3]);
  assert.ok(Number.isNaN(few.p) && Number.isNaN(few.ciLow));
  assert.ok(Math.abs(few.meanDifference - 0.2) < 1e-12);
});
