import { byClass } from '../data/by-class.js';
import { type Regularisation, fitGaussian, gaussianLogLikelihood } from './gaussian.js';

/**
 * DeVries et al. (2020) instance selection scores: fit one Gaussian per class to the embeddings of
 * that class's `fitOn` rows, then score each `score` row by its log-likelihood under its own
 * class. Returns scores aligned with `score`; NaN for a class that had nothing to fit on.
 */
export function gaussianScores(
  embeddings: Float32Array,
  dim: number,
  labels: ArrayLike<number>,
  fitOn: readonly number[],
  score: readonly number[],
  regularisation: Regularisation,
): Float64Array {
  const row = (i: number) => embeddings.subarray(i * dim, (i + 1) * dim);
  const fits = new Map(
    [...byClass(fitOn, labels)].map(([label, members]) => {
      const samples = new Float64Array(members.length * dim);
      members.forEach((i, n) => samples.set(row(i), n * dim));
      return [label, fitGaussian(samples, members.length, dim, regularisation)] as const;
    }),
  );
  return Float64Array.from(score, (i) => {
    const fit = fits.get(labels[i]!);
    return fit ? gaussianLogLikelihood(fit, row(i)) : Number.NaN;
  });
}
