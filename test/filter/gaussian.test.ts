import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cholesky, fitGaussian, gaussianLogLikelihood, meanAndCovariance, regularise } from '../../trainer/filter/gaussian.js';

const close = (actual: number, expected: number, tolerance = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} != ${expected}`);

test('cholesky of [[4,2],[2,3]] is [[2,0],[1,sqrt 2]]', () => {
  const L = cholesky(Float64Array.from([4, 2, 2, 3]), 2);
  [2, 0, 1, Math.SQRT2].forEach((v, i) => close(L[i]!, v));
  assert.throws(() => cholesky(Float64Array.from([1, 2, 2, 1]), 2), /not positive definite/);
});

test('2-D log-likelihood matches the hand computation', () => {
  // mean (1,2), covariance [[4,2],[2,3]]: det 8, inverse [[3,-2],[-2,4]]/8; x = (3,1), x - mean = (2,-1)
  // Mahalanobis (3*4 - 2*2*2*(-1) + 4*1)/8 = 24/8 = 3, so log p = -ln(2 pi) - ln(8)/2 - 3/2.
  const fit = { dim: 2, mean: Float64Array.from([1, 2]), cholesky: cholesky(Float64Array.from([4, 2, 2, 3]), 2), logDet: Math.log(8) };
  close(gaussianLogLikelihood(fit, [3, 1]), -Math.log(2 * Math.PI) - Math.log(8) / 2 - 1.5);
  close(gaussianLogLikelihood(fit, [3, 1]), -4.3775978372, 1e-9); // 1.8378770664 + 1.0397207708 + 1.5
  // At the mean only the normaliser is left.
  close(gaussianLogLikelihood(fit, [9, 1, 2], 1), -Math.log(2 * Math.PI) - Math.log(8) / 2);
});

test('fit: mean and unbiased covariance of a hand-sized sample', () => {
  // (0,0), (2,0), (0,2), (2,2): mean (1,1); each coordinate has variance 4/3, and they are uncorrelated.
  const samples = Float64Array.from([0, 0, 2, 0, 0, 2, 2, 2]);
  const { mean, covariance } = meanAndCovariance(samples, 4, 2);
  assert.deepEqual([...mean], [1, 1]);
  [4 / 3, 0, 0, 4 / 3].forEach((v, i) => close(covariance[i]!, v));
  const fit = fitGaussian(samples, 4, 2, { shrinkage: 0, ridge: 0 });
  close(fit.logDet, 2 * Math.log(4 / 3));
  // x = (2,1): Mahalanobis 1 / (4/3) = 0.75
  close(gaussianLogLikelihood(fit, [2, 1]), -0.5 * (2 * Math.log(2 * Math.PI) + 2 * Math.log(4 / 3) + 0.75));
});

test('regularise shrinks toward tr(S)/d and adds the ridge', () => {
  // S = [[4,2],[2,2]], tr/d = 3; 0.5 S + 0.5*3 I + 0.1 I = [[3.6,1],[1,2.6]]
  const out = regularise(Float64Array.from([4, 2, 2, 2]), 2, { shrinkage: 0.5, ridge: 0.1 });
  [3.6, 1, 1, 2.6].forEach((v, i) => close(out[i]!, v));
  // A single sample has zero covariance; the ridge keeps it usable.
  const fit = fitGaussian(Float64Array.from([1, 1]), 1, 2, { shrinkage: 0.1, ridge: 1 });
  close(gaussianLogLikelihood(fit, [1, 1]), -Math.log(2 * Math.PI));
});
