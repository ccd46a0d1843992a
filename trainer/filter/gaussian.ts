/**
 * Multivariate Gaussian fitting and log-likelihood in float64, for the instance selection of
 * DeVries et al. (2020). Matrices are row-major Float64Arrays of d x d.
 */

export interface GaussianFit {
  dim: number;
  mean: Float64Array;
  /** Lower-triangular Cholesky factor L of the regularised covariance (covariance = L L^T). */
  cholesky: Float64Array;
  /** log det(covariance) = 2 sum log L_ii. */
  logDet: number;
}

export interface Regularisation {
  /** Weight of the shrinkage target (tr(S)/d) I against the sample covariance S, in [0, 1]. */
  shrinkage: number;
  /** Added to the diagonal after shrinkage, so a class with fewer samples than dimensions stays positive definite. */
  ridge: number;
}

/** Mean and unbiased sample covariance of n samples of dimension d (row-major n x d). */
export function meanAndCovariance(samples: Float64Array | Float32Array, n: number, d: number): { mean: Float64Array; covariance: Float64Array } {
  if (samples.length !== n * d) throw new RangeError(`expected ${n} x ${d} values, got ${samples.length}`);
  if (n < 1) throw new RangeError('cannot fit a Gaussian to no samples');
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += samples[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  const covariance = new Float64Array(d * d);
  const centred = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) centred[j] = samples[i * d + j]! - mean[j]!;
    // Upper triangle only; mirrored below.
    for (let a = 0; a < d; a++) {
      const ca = centred[a]!;
      const row = a * d;
      for (let b = a; b < d; b++) covariance[row + b]! += ca * centred[b]!;
    }
  }
  const scale = n > 1 ? 1 / (n - 1) : 0;
  for (let a = 0; a < d; a++) {
    for (let b = a; b < d; b++) {
      const value = covariance[a * d + b]! * scale;
      covariance[a * d + b] = value;
      covariance[b * d + a] = value;
    }
  }
  return { mean, covariance };
}

/** (1 - shrinkage) S + shrinkage (tr(S)/d) I + ridge I: shrinks toward a sphere of the same total variance. */
export function regularise(covariance: Float64Array, d: number, { shrinkage, ridge }: Regularisation): Float64Array {
  if (!(shrinkage >= 0 && shrinkage <= 1)) throw new RangeError(`shrinkage must be in [0, 1], got ${shrinkage}`);
  if (!(ridge >= 0)) throw new RangeError(`ridge must be >= 0, got ${ridge}`);
  let trace = 0;
  for (let j = 0; j < d; j++) trace += covariance[j * d + j]!;
  const out = new Float64Array(d * d);
  for (let i = 0; i < d * d; i++) out[i] = (1 - shrinkage) * covariance[i]!;
  for (let j = 0; j < d; j++) out[j * d + j]! += shrinkage * (trace / d) + ridge;
  return out;
}

/** Cholesky factor L (lower triangular, row-major) of a symmetric positive-definite matrix. */
export function cholesky(matrix: Float64Array, d: number): Float64Array {
  const L = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = matrix[i * d + j]!;
      for (let k = 0; k < j; k++) sum -= L[i * d + k]! * L[j * d + k]!;
      if (i === j) {
        if (!(sum > 0)) throw new RangeError(`matrix is not positive definite (pivot ${i} is ${sum}); raise the ridge or shrinkage`);
        L[i * d + i] = Math.sqrt(sum);
      } else {
        L[i * d + j] = sum / L[j * d + j]!;
      }
    }
  }
  return L;
}

export function fitGaussian(samples: Float64Array | Float32Array, n: number, d: number, regularisation: Regularisation): GaussianFit {
  const { mean, covariance } = meanAndCovariance(samples, n, d);
  const L = cholesky(regularise(covariance, d, regularisation), d);
  let logDet = 0;
  for (let j = 0; j < d; j++) logDet += 2 * Math.log(L[j * d + j]!);
  return { dim: d, mean, cholesky: L, logDet };
}

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * log N(x; mean, covariance) = -(d log 2pi + log det + z^T z) / 2 with L z = x - mean solved by
 * forward substitution, so the covariance is never inverted.
 */
export function gaussianLogLikelihood(fit: GaussianFit, x: ArrayLike<number>, offset = 0): number {
  const { dim: d, mean, cholesky: L } = fit;
  const z = new Float64Array(d);
  let mahalanobis = 0;
  for (let i = 0; i < d; i++) {
    let sum = x[offset + i]! - mean[i]!;
    for (let k = 0; k < i; k++) sum -= L[i * d + k]! * z[k]!;
    z[i] = sum / L[i * d + i]!;
    mahalanobis += z[i]! * z[i]!;
  }
  return -0.5 * (d * LOG_2PI + fit.logDet + mahalanobis);
}
