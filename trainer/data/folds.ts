import { seededRandom, shuffle } from '../../core/random.js';
import { byClass } from './by-class.js';

/**
 * Stratified k-fold assignment: fold[i] in 0..k-1 for each sample. Each class is shuffled with the
 * seed and dealt round-robin, continuing where the previous class stopped, so every fold gets
 * each class's share within one sample and the folds' sizes differ by at most one.
 */
export function stratifiedFolds(labels: ArrayLike<number>, k: number, seed: number): Uint8Array {
  if (!Number.isInteger(k) || k < 2 || k > 255) throw new RangeError(`folds must be an integer in 2-255, got ${k}`);
  const groups = byClass(Array.from({ length: labels.length }, (_, i) => i), labels);
  const random = seededRandom(seed);
  const fold = new Uint8Array(labels.length);
  let next = 0;
  for (const label of [...groups.keys()].sort((a, b) => a - b)) {
    for (const i of shuffle(groups.get(label)!, random)) {
      fold[i] = next;
      next = (next + 1) % k;
    }
  }
  return fold;
}

/** The training and held-out indices of fold `f`. */
export function foldSplit(fold: Uint8Array, f: number): { train: number[]; test: number[] } {
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < fold.length; i++) (fold[i] === f ? test : train).push(i);
  return { train, test };
}
