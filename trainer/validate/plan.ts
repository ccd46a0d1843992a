import { EXPRESSIONS, NUM_EXPRESSIONS } from '../../core/expressions.js';
import { usageIndex } from '../data/format.js';
import { foldSplit, stratifiedFolds } from '../data/folds.js';
import { seededRandom, shuffle } from '../../core/random.js';
import { mixSeed } from '../gan/domains.js';

export interface TestSplit {
  /** Data set indices of the fixed test set, class by class. */
  test: number[];
  /** Every other kept image: what cross-validation splits. */
  pool: number[];
  /** Per class, test images that had to come from the Training split. */
  fromTraining: number[];
}

/**
 * The fixed test set: `perClass` images of each class, drawn with the seed from the kept images
 * outside the Training split first. Translators train on Training images only, so such a test
 * face cannot have shaped the synthetic faces; a class with too few of them (FER2013's
 * PublicTest has ~55 Disgust faces) is topped up from Training, and the report says how many.
 */
export function selectTestSet(labels: ArrayLike<number>, usage: ArrayLike<number>, kept: readonly number[], perClass: number, seed: number): TestSplit {
  const training = usageIndex('Training');
  const test: number[] = [];
  const fromTraining: number[] = [];
  const chosen = new Set<number>();
  for (let label = 0; label < NUM_EXPRESSIONS; label++) {
    const random = seededRandom(mixSeed(seed, label));
    const ofClass = kept.filter((i) => labels[i] === label);
    const outside = shuffle(ofClass.filter((i) => usage[i] !== training), random);
    const inside = shuffle(ofClass.filter((i) => usage[i] === training), random);
    if (ofClass.length <= perClass) {
      throw new Error(`the fixed test set needs ${perClass} ${EXPRESSIONS[label]} images and leaves none for training: the version has ${ofClass.length}; lower --test-per-class`);
    }
    const picked = [...outside, ...inside].slice(0, perClass);
    fromTraining.push(Math.max(0, perClass - outside.length));
    for (const i of picked) {
      test.push(i);
      chosen.add(i);
    }
  }
  return { test, pool: kept.filter((i) => !chosen.has(i)), fromTraining };
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
