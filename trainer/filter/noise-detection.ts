import { byClass } from '../data/by-class.js';
import { keepBest, keepCountPerClass } from './keep-rules.js';

/**
 * How well a filter finds known label noise: what it removes at a budget, and the precision and
 * recall of that removal against the flipped samples.
 */

/**
 * What a budget is a share of. `global`: the whole set, lowest scores first whatever their class,
 * so a filter may take more from a class it distrusts, as `faceaug data filter
 * --top-percent-overall` cuts. `per-class`: each class on its own, as `--top-percent` cuts.
 */
export const BUDGET_SCOPES = ['global', 'per-class'] as const;
export type BudgetScope = (typeof BUDGET_SCOPES)[number];

/** How many a budget removes from n: the nearest whole number. */
export const removalCount = (budget: number, n: number) => Math.round(budget * n);

/**
 * The candidates a filter removes at `budget` (a share in [0, 1]): the lowest-scored
 * {@link removalCount} of the set, or of each class; ties go as the keep rules break them (the
 * higher index goes first). Ascending.
 */
export function removedAtBudget(candidates: readonly number[], labels: ArrayLike<number>, scores: ArrayLike<number>, budget: number, scope: BudgetScope): number[] {
  if (!(budget >= 0 && budget <= 1)) throw new RangeError(`budget must be in [0, 1], got ${budget}`);
  let kept: number[];
  if (scope === 'global') {
    kept = keepBest(candidates, scores, candidates.length - removalCount(budget, candidates.length));
  } else {
    const counts: number[] = [];
    for (const [label, members] of byClass(candidates, labels)) counts[label] = members.length - removalCount(budget, members.length);
    kept = keepCountPerClass(candidates, labels, scores, counts);
  }
  const stays = new Set(kept);
  return candidates.filter((i) => !stays.has(i)).sort((a, b) => a - b);
}

export interface Detection {
  removed: number;
  /** Removed samples that were flipped. */
  found: number;
  /** found / removed: the share of the removal that was noise (NaN when nothing was removed). */
  precision: number;
  /** found / flipped: the share of the noise that was removed (NaN when nothing was flipped). */
  recall: number;
}

export function detection(removed: readonly number[], flipped: ReadonlySet<number>): Detection {
  const found = removed.filter((i) => flipped.has(i)).length;
  return {
    removed: removed.length,
    found,
    precision: removed.length > 0 ? found / removed.length : Number.NaN,
    recall: flipped.size > 0 ? found / flipped.size : Number.NaN,
  };
}
