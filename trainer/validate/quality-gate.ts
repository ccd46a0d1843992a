import { FACE_PIXELS } from '../../core/image-codec.js';
import { NUM_EXPRESSIONS } from '../../core/expressions.js';
import { disposeEnsemble, ensembleProbabilities, trainEnsemble } from '../classifier/ensemble.js';
import type { ClassifierSettings } from './fold-task.js';

/** Positions of the k highest scores, best first; equal scores keep their order. */
export function topK(scores: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: scores.length }, (_, i) => i)
    .sort((a, b) => scores[b]! - scores[a]! || a - b)
    .slice(0, k);
}

/**
 * The quality gate: a classifier trained on the real pool (never the fixed test set) scores
 * each candidate by its probability of the target class; a translation the classifier does not
 * read as the target expression is the first to go.
 */
export async function targetConfidence(
  real: { pixels: Uint8Array; labels: Uint8Array; pool: number[] },
  candidates: Uint8Array,
  target: number,
  classifier: ClassifierSettings,
  seed: number,
  onBatch?: (done: number, total: number) => void,
): Promise<Float64Array> {
  const members = await trainEnsemble(classifier, real.pixels, real.labels, real.pool, { seed, onBatch });
  try {
    const count = candidates.length / FACE_PIXELS;
    const probabilities = ensembleProbabilities(members, candidates, Array.from({ length: count }, (_, i) => i), classifier);
    return Float64Array.from({ length: count }, (_, n) => probabilities[n * NUM_EXPRESSIONS + target]!);
  } finally {
    disposeEnsemble(members);
  }
}
