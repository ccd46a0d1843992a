import { seededRandom, shuffle } from '../../core/random.js';
import { byClass } from './by-class.js';

/**
 * A seeded sample of `count` of `indices` that keeps each class's share, so a trial on a few
 * thousand images has FER2013's class balance (rare disgust included). Each class is shuffled and
 * its members spread evenly over [0, 1) by rank, (r + 1/2) / n_c; the `count` earliest are taken,
 * which gives each class its proportional count to within one. All of them when `count` is not
 * smaller. Ascending.
 */
export function stratifiedSubset(indices: readonly number[], labels: ArrayLike<number>, count: number, seed: number): number[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`subset size must be a non-negative integer, got ${count}`);
  if (count >= indices.length) return [...indices].sort((a, b) => a - b);
  const random = seededRandom(seed);
  const groups = byClass(indices, labels);
  const spread: Array<{ index: number; at: number }> = [];
  for (const label of [...groups.keys()].sort((a, b) => a - b)) {
    const members = shuffle([...groups.get(label)!], random);
    members.forEach((index, rank) => spread.push({ index, at: (rank + 0.5) / members.length }));
  }
  return spread
    .sort((a, b) => a.at - b.at || a.index - b.index)
    .slice(0, count)
    .map(({ index }) => index)
    .sort((a, b) => a - b);
}
