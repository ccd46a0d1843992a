import { NUM_EXPRESSIONS } from '../../core/expressions.js';
import { buildClassifier } from '../classifier/cnn.js';
import { disposeNetwork } from '../networks/network.js';
import { predictProbabilities, trainClassifier } from '../classifier/train.js';
import { foldSplit, stratifiedFolds } from '../data/folds.js';
import type { Progress } from '../data/import-options.js';
import type { ClassifierSettings } from '../classifier/options.js';

export interface ConfidenceParams extends ClassifierSettings {
  folds: number;
  seed: number;
}

/**
 * Out-of-fold confidence: split the candidates into stratified folds, train a classifier on all
 * folds but one and score the held-out fold by the probability of each sample's annotated class.
 * No sample is scored by a model that saw it. `outside` rows (e.g. a test split that is not being
 * filtered) are seen by no fold's model and get the mean of all folds' probabilities.
 * Returns scores aligned with `candidates`, then with `outside`.
 */
export async function confidenceScores(
  pixels: Uint8Array,
  labels: ArrayLike<number>,
  candidates: readonly number[],
  params: ConfidenceParams,
  onProgress?: Progress,
  outside: readonly number[] = [],
): Promise<{ scores: Float64Array; outsideScores: Float64Array }> {
  const fold = stratifiedFolds(Array.from(candidates, (i) => labels[i]!), params.folds, params.seed);
  const scores = new Float64Array(candidates.length);
  const outsideScores = new Float64Array(outside.length);
  for (let f = 0; f < params.folds; f++) {
    const { train, test } = foldSplit(fold, f);
    const model = buildClassifier(params, params.seed + f);
    try {
      await trainClassifier(model, pixels, labels, train.map((p) => candidates[p]!), {
        ...params,
        seed: params.seed + f,
        onBatch: (done, total) => onProgress?.(f * total + done, params.folds * total),
      });
      const heldOut = test.map((p) => candidates[p]!);
      const probabilities = predictProbabilities(model, pixels, heldOut, 256);
      test.forEach((position, n) => {
        scores[position] = probabilities[n * NUM_EXPRESSIONS + labels[candidates[position]!]!]!;
      });
      if (outside.length > 0) {
        const outsideProbabilities = predictProbabilities(model, pixels, outside, 256);
        outside.forEach((index, n) => {
          outsideScores[n]! += outsideProbabilities[n * NUM_EXPRESSIONS + labels[index]!]! / params.folds;
        });
      }
    } finally {
      disposeNetwork(model);
    }
  }
  return { scores, outsideScores };
}
