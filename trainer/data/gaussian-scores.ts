import { type Regularisation, fitGaussian, gaussianLogLikelihood } from './gaussian.js';

/**
 * DeVries et al. (2020) instance selection scores: fit one Gaussian per class to the embeddings of
 * that class's candidates and score each candidate by its log-likelihood under its own class.
 * Returns scores aligned with `candidates`.
 */
export function gaussianScores(
  embeddings: Float32Array,
  dim: number,
  labels: ArrayLike<number>,
  candidates: readonly number[],
  regularisation: Regularisation,
): Float64Array {
  const byClass = new Map<number, number[]>();
  candidates.forEach((index, position) => {
    const members = byClass.get(labels[index]!);
    if (members) members.push(position);
    else byClass.set(labels[index]!, [position]);
  });
  const scores = new Float64Array(candidates.length);
  for (const positions of byClass.values()) {
    const samples = new Float64Array(positions.length * dim);
    positions.forEach((position, row) => samples.set(embeddings.subarray(candidates[position]! * dim, (candidates[position]! + 1) * dim), row * dim));
    const fit = fitGaussian(samples, positions.length, dim, regularisation);
    positions.forEach((position, row) => {
      scores[position] = gaussianLogLikelihood(fit, samples, row * dim);
    });
  }
  return scores;
}
