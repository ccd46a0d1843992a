import { EXPRESSIONS, type Expression } from '../../core/expressions.js';

export type ClassCounts = Record<Expression, { kept: number; removed: number }>;

/** Kept and removed counts per class of one filter step over `input` indices. */
export function keptRemovedByClass(labels: ArrayLike<number>, input: readonly number[], kept: readonly number[]): ClassCounts {
  const counts = Object.fromEntries(EXPRESSIONS.map((name) => [name, { kept: 0, removed: 0 }])) as ClassCounts;
  const keptSet = new Set(kept);
  for (const i of input) {
    const entry = counts[EXPRESSIONS[labels[i]!]!];
    if (keptSet.has(i)) entry.kept++;
    else entry.removed++;
  }
  return counts;
}

/** A fixed-width text table of kept/removed per class with totals. */
export function formatClassTable(counts: ClassCounts): string {
  const rows = EXPRESSIONS.map((name) => [name, counts[name].kept, counts[name].removed] as const);
  const kept = rows.reduce((sum, [, k]) => sum + k, 0);
  const removed = rows.reduce((sum, [, , r]) => sum + r, 0);
  const line = (cells: Array<string | number>) => `${String(cells[0]).padEnd(9)} ${cells.slice(1).map((c) => String(c).padStart(8)).join(' ')}`;
  const percent = (r: number, total: number) => (total === 0 ? '-' : `${((100 * r) / total).toFixed(1)}%`);
  return [
    line(['class', 'input', 'kept', 'removed', 'removed%']),
    ...rows.map(([name, k, r]) => line([name, k + r, k, r, percent(r, k + r)])),
    line(['total', kept + removed, kept, removed, percent(removed, kept + removed)]),
  ].join('\n');
}
