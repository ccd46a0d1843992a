import { byClass } from '../data/by-class.js';

/**
 * Keep rules on per-sample scores (higher is better), per class unless said otherwise. Each returns
 * the kept indices of `candidates`, ascending; ties at a cut are broken by index so the result is
 * deterministic.
 */

function bestFirst(members: readonly number[], scores: ArrayLike<number>): number[] {
  return [...members].sort((a, b) => scores[b]! - scores[a]! || a - b);
}

/** Keeps the `count(n, label)` best-scored members of each class of n candidates. */
function keepPerClass(candidates: readonly number[], labels: ArrayLike<number>, scores: ArrayLike<number>, count: (n: number, label: number) => number): number[] {
  const kept: number[] = [];
  for (const [label, members] of byClass(candidates, labels)) kept.push(...bestFirst(members, scores).slice(0, count(members.length, label)));
  return kept.sort((a, b) => a - b);
}

/** The top `percent` of each class (rounded up, so no class is emptied). */
export function keepTopPercent(candidates: readonly number[], labels: ArrayLike<number>, scores: ArrayLike<number>, percent: number): number[] {
  if (!(percent > 0 && percent <= 100)) throw new RangeError(`retention must be in (0, 100], got ${percent}`);
  return keepPerClass(candidates, labels, scores, (n) => Math.ceil((n * percent) / 100));
}

/**
 * The top `percent` of all candidates whatever their class (rounded up): a budget over the whole
 * set, so a class whose labels the scores distrust loses more. A class the cut would empty keeps
 * its best-scored member.
 */
export function keepTopPercentOverall(candidates: readonly number[], labels: ArrayLike<number>, scores: ArrayLike<number>, percent: number): number[] {
  if (!(percent > 0 && percent <= 100)) throw new RangeError(`retention must be in (0, 100], got ${percent}`);
  const kept = new Set(keepBest(candidates, scores, Math.ceil((candidates.length * percent) / 100)));
  const keptClasses = new Set([...kept].map((i) => labels[i]!));
  for (const [label, members] of byClass(candidates, labels)) if (!keptClasses.has(label)) kept.add(bestFirst(members, scores)[0]!);
  return [...kept].sort((a, b) => a - b);
}

/** The best `n` of each class (all of a class that has fewer). */
export function keepTopN(candidates: readonly number[], labels: ArrayLike<number>, scores: ArrayLike<number>, n: number): number[] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`top-n must be a positive integer, got ${n}`);
  return keepPerClass(candidates, labels, scores, () => n);
}

/** The best `counts[label]` of each class, e.g. as many as an estimate says are labelled right. */
export function keepCountPerClass(candidates: readonly number[], labels: ArrayLike<number>, scores: ArrayLike<number>, counts: readonly number[]): number[] {
  return keepPerClass(candidates, labels, scores, (_, label) => counts[label]!);
}

/** The best `n` of all candidates whatever their class (all when there are fewer): a budget over the whole set. */
export function keepBest(candidates: readonly number[], scores: ArrayLike<number>, n: number): number[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`keep count must be a non-negative integer, got ${n}`);
  return bestFirst(candidates, scores).slice(0, n).sort((a, b) => a - b);
}

/** Every candidate scoring at least `minimum`. */
export function keepAtLeast(candidates: readonly number[], scores: ArrayLike<number>, minimum: number): number[] {
  return candidates.filter((i) => scores[i]! >= minimum).sort((a, b) => a - b);
}
