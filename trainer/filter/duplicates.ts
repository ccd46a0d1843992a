import { createHash } from 'node:crypto';
import { FACE_PIXELS } from '../../core/image-codec.js';
import { EXPRESSIONS } from '../../core/expressions.js';
import { USAGES } from '../data/format.js';

export interface DuplicateGroup {
  hash: string;
  /** Data set indices of the pixel-identical images, ascending. */
  members: number[];
  labels: string[];
  usages: string[];
  crossSplit: boolean;
  conflictingLabels: boolean;
}

export interface DuplicateReport {
  groups: DuplicateGroup[];
  /** Images that belong to some group. */
  imagesInGroups: number;
  crossSplitGroups: number;
  conflictingLabelGroups: number;
}

interface Rows {
  pixels: Uint8Array;
  labels: Uint8Array;
  usage: Uint8Array;
}

/**
 * Groups exactly identical images among `indices` (default: all) by the sha256 of their pixels; a
 * hash key keeps memory at N x 64 bytes.
 */
export function findDuplicates(data: Rows, indices?: readonly number[]): DuplicateReport {
  const byHash = new Map<string, number[]>();
  for (const i of indices ?? data.labels.keys()) {
    const hash = createHash('sha256')
      .update(data.pixels.subarray(i * FACE_PIXELS, (i + 1) * FACE_PIXELS))
      .digest('hex');
    const members = byHash.get(hash);
    if (members) members.push(i);
    else byHash.set(hash, [i]);
  }
  const groups: DuplicateGroup[] = [];
  for (const [hash, members] of byHash) {
    if (members.length < 2) continue;
    const labelSet = new Set(members.map((i) => data.labels[i]!));
    const usageSet = new Set(members.map((i) => data.usage[i]!));
    groups.push({
      hash,
      members,
      labels: members.map((i) => EXPRESSIONS[data.labels[i]!]!),
      usages: members.map((i) => USAGES[data.usage[i]!]!),
      crossSplit: usageSet.size > 1,
      conflictingLabels: labelSet.size > 1,
    });
  }
  groups.sort((a, b) => a.members[0]! - b.members[0]!);
  return {
    groups,
    imagesInGroups: groups.reduce((sum, g) => sum + g.members.length, 0),
    crossSplitGroups: groups.filter((g) => g.crossSplit).length,
    conflictingLabelGroups: groups.filter((g) => g.conflictingLabels).length,
  };
}

/**
 * The indices to drop so no two kept images are identical: every member of a group with
 * conflicting labels (no label can be trusted), otherwise all but one member, keeping a held-out
 * copy when there is one so the test split stays whole and Training loses its leaked copies.
 */
export function duplicatesToDrop(report: DuplicateReport, usage: Uint8Array): Set<number> {
  const training = USAGES.indexOf('Training');
  const drop = new Set<number>();
  for (const group of report.groups) {
    if (group.conflictingLabels) {
      for (const i of group.members) drop.add(i);
      continue;
    }
    const keep = group.members.find((i) => usage[i] !== training) ?? group.members[0]!;
    for (const i of group.members) if (i !== keep) drop.add(i);
  }
  return drop;
}
