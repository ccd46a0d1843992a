import { NUM_EXPRESSIONS } from '../../core/expressions.js';
import { disposeEnsemble, ensembleProbabilities, trainEnsemble } from '../classifier/ensemble.js';
import { foldSplit, stratifiedFolds } from '../data/folds.js';
import type { Progress } from '../data/import-options.js';
import type { ClassifierSettings, RecipeSettings } from '../classifier/options.js';

/**
 * What the filters' classifiers are whatever their recipe: trained without class weights. A filter
 * reads p(given label) on the data set's own class mix, and weights of up to 10x for rare classes
 * inflate those classes' probabilities, so their mislabeled images look likely. On FER2013 with 10%
 * uniform label flips, the strong recipe's out-of-fold self-confidence found 0.57 of the flips at a
 * 10% budget without weights against 0.52 with them (0.60 against 0.54 for two networks; PyTorch
 * twin, bench/torch_noise_detection.py, README "Noise benchmark").
 */
export const FILTER_DEFAULTS: Partial<RecipeSettings> = { classBalance: 'none' };

/** Everything that decides out-of-fold probabilities besides the data: the classifier, the folds and the seed. */
export interface OutOfFoldParams extends ClassifierSettings {
  folds: number;
  seed: number;
}

/** Softmax probabilities, row-major count x 7. */
export interface OutOfFoldProbabilities {
  /** Aligned with the candidates. */
  candidates: Float32Array;
  /** Aligned with the `outside` rows. */
  outside: Float32Array;
}

/**
 * Out-of-fold probabilities: split the candidates into stratified folds, train a classifier on all
 * folds but one and predict the held-out fold, so no candidate is judged by a model that saw it.
 * `outside` rows (e.g. a test split that is not being filtered) are seen by no fold's model and
 * get the mean of all folds' probabilities.
 */
export async function outOfFoldProbabilities(
  pixels: Uint8Array,
  labels: ArrayLike<number>,
  candidates: readonly number[],
  params: OutOfFoldParams,
  onProgress?: Progress,
  outside: readonly number[] = [],
): Promise<OutOfFoldProbabilities> {
  const fold = stratifiedFolds(Array.from(candidates, (i) => labels[i]!), params.folds, params.seed);
  const probabilities = new Float32Array(candidates.length * NUM_EXPRESSIONS);
  const outsideSums = new Float64Array(outside.length * NUM_EXPRESSIONS);
  for (let f = 0; f < params.folds; f++) {
    const { train, test } = foldSplit(fold, f);
    const members = await trainEnsemble(params, pixels, labels, train.map((p) => candidates[p]!), {
      seed: params.seed + f,
      onBatch: (done, total) => onProgress?.(f * total + done, params.folds * total),
    });
    try {
      const heldOut = ensembleProbabilities(members, pixels, test.map((p) => candidates[p]!), params);
      test.forEach((position, n) => {
        probabilities.set(heldOut.subarray(n * NUM_EXPRESSIONS, (n + 1) * NUM_EXPRESSIONS), position * NUM_EXPRESSIONS);
      });
      if (outside.length > 0) {
        ensembleProbabilities(members, pixels, outside, params).forEach((p, k) => {
          outsideSums[k]! += p / params.folds;
        });
      }
    } finally {
      disposeEnsemble(members);
    }
  }
  return { candidates: probabilities, outside: Float32Array.from(outsideSums) };
}
