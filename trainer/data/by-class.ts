/** `indices` grouped by their label, each group in the order the indices came. */
export function byClass(indices: Iterable<number>, labels: ArrayLike<number>): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  for (const i of indices) {
    const members = groups.get(labels[i]!);
    if (members) members.push(i);
    else groups.set(labels[i]!, [i]);
  }
  return groups;
}
