import { EXPRESSIONS, NUM_EXPRESSIONS } from '../../core/expressions.js';
import { usageIndex } from '../data/format.js';
import { foldSplit, stratifiedFolds } from '../data/folds.js';
import { seededRandom, shuffle } from '../data/seeded-random.js';
import { mixSeed } from '../gan/domains.js';

export interface TestSplit {
  /** Data set indices of the fixed test set, class by class. */
  test: number[];
  /** Every other kept image: what cross-validation splits. */
  pool: number[];
}

/**
 * The fixed test set: `perClass` images of each class, drawn with the seed from the kept images
 * outside the Training split. Translators train on Training images only, so a test face can never
 * have shaped the synthetic faces either; the rest of the held-out splits joins the pool.
 */
export function selectTestSet(labels: ArrayLike<number>, usage: ArrayLike<number>, kept: readonly number[], perClass: number, seed: number): TestSplit {
  const training = usageIndex('Training');
  const test: number[] = [];
  const chosen = new Set<number>();
  for (let label = 0; label < NUM_EXPRESSIONS; label++) {
    const candidates = kept.filter((i) => labels[i] === label && usage[i] !== training);
    if (candidates.length < perClass) {
      throw new Error(
        `the fixed test set needs ${perClass} ${EXPRESSIONS[label]} images outside the Training split, the version has ${candidates.length}; lower --test-per-class`,
      );
    }
    for (const i of shuffle(candidates, seededRandom(mixSeed(seed, label))).slice(0, perClass)) {
      test.push(i);
      chosen.add(i);
    }
  }
  return { test, pool: kept.filter((i) => !chosen.has(i)) };
}

export interface FoldPlan {
  repeat: number;
  fold: number;
  /** Seed of both classifiers of the pair: same initial weights, same batch order stream. */
  seed: number;
  /** Data set indices: the real training images and the fold's held-out real images. */
  train: number[];
  heldOut: number[];
}

/** Repeated stratified k-fold over the pool; repeat r reshuffles with its own seed, so repeats can be added later. */
export function planFolds(labels: ArrayLike<number>, pool: readonly number[], folds: number, repeats: number, seed: number): FoldPlan[] {
  const poolLabels = Array.from(pool, (i) => labels[i]!);
  const plans: FoldPlan[] = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    const assignment = stratifiedFolds(poolLabels, folds, mixSeed(seed, 1_000 + repeat));
    for (let fold = 0; fold < folds; fold++) {
      const { train, test } = foldSplit(assignment, fold);
      plans.push({
        repeat,
        fold,
        seed: mixSeed(seed, repeat, fold) % 2 ** 31,
        train: train.map((p) => pool[p]!),
        heldOut: test.map((p) => pool[p]!),
      });
    }
  }
  return plans;
}
