import { test } from 'node:test';
import assert from 'node:assert/strict';
import { duplicatesToDrop, findDuplicates } from '../../trainer/filter/duplicates.js';
import { syntheticPixels } from '../data/synthetic.js';

// Images by seed: rows 0, 3, 5 are one picture (Training, PublicTest, Training, same label);
// rows 1 and 4 are another with conflicting labels; rows 2 and 6 are unique.
const seeds = [10, 11, 12, 10, 11, 10, 13];
const data = {
  pixels: Uint8Array.from(seeds.flatMap((seed) => syntheticPixels(seed))),
  labels: Uint8Array.from([3, 0, 6, 3, 4, 3, 1]),
  usage: Uint8Array.from([0, 0, 0, 1, 0, 0, 1]),
};

test('groups identical images and flags cross-split and conflicting-label groups', () => {
  const report = findDuplicates(data);
  assert.deepEqual(
    report.groups.map((g) => g.members),
    [
      [0, 3, 5],
      [1, 4],
    ],
  );
  assert.deepEqual(report.groups[0]!.usages, ['Training', 'PublicTest', 'Training']);
  assert.equal(report.groups[0]!.crossSplit, true);
  assert.equal(report.groups[0]!.conflictingLabels, false);
  assert.deepEqual(report.groups[1]!.labels, ['angry', 'sad']);
  assert.equal(report.groups[1]!.conflictingLabels, true);
  assert.equal(report.groups[1]!.crossSplit, false);
  assert.equal(report.imagesInGroups, 5);
  assert.equal(report.crossSplitGroups, 1);
  assert.equal(report.conflictingLabelGroups, 1);
});

test('drop policy: all of a conflicting group, all but the held-out copy of the rest', () => {
  assert.deepEqual([...duplicatesToDrop(findDuplicates(data), data.usage)].sort(), [0, 1, 4, 5]);
  // Within a subset, only the subset's members count.
  assert.deepEqual(findDuplicates(data, [0, 1, 2, 5]).groups.map((g) => g.members), [[0, 5]]);
  assert.deepEqual([...duplicatesToDrop(findDuplicates(data, [0, 1, 2, 5]), data.usage)], [5]);
});
