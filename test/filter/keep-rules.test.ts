import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keepAtLeast, keepBest, keepCountPerClass, keepTopN, keepTopPercent, keepTopPercentOverall } from '../../trainer/filter/keep-rules.js';

const labels = [0, 0, 0, 0, 1, 1, 1];
const scores = [0.1, 0.9, 0.5, 0.7, 0.3, 0.2, 0.8];
const all = labels.map((_, i) => i);

test('top percent per class rounds up, keeps the best', () => {
  assert.deepEqual(keepTopPercent(all, labels, scores, 50), [1, 3, 4, 6]);
  assert.deepEqual(keepTopPercent(all, labels, scores, 1), [1, 6]);
  assert.deepEqual(keepTopPercent([0, 2, 5], labels, scores, 100), [0, 2, 5]);
});

test('top n per class and minimum score', () => {
  assert.deepEqual(keepTopN(all, labels, scores, 1), [1, 6]);
  assert.deepEqual(keepTopN(all, labels, scores, 10), all);
  assert.deepEqual(keepAtLeast(all, scores, 0.5), [1, 2, 3, 6]);
});

test('a count per class', () => {
  assert.deepEqual(keepCountPerClass(all, labels, scores, [3, 1]), [1, 2, 3, 6]);
  assert.deepEqual(keepCountPerClass(all, labels, scores, [0, 5]), [4, 5, 6]);
});

test('the best n of all candidates, whatever their class', () => {
  assert.deepEqual(keepBest(all, scores, 3), [1, 3, 6]);
  assert.deepEqual(keepBest([0, 4, 5], scores, 1), [4]);
  assert.deepEqual(keepBest(all, scores, 0), []);
  assert.deepEqual(keepBest(all, scores, 10), all);
  // Ties at the cut: the lower index stays.
  assert.deepEqual(keepBest([0, 1, 2], [1, 1, 1], 2), [0, 1]);
  assert.throws(() => keepBest(all, scores, -1), /keep count must be a non-negative integer, got -1/);
});

test('top percent overall cuts across classes and empties none', () => {
  // 4 of 7 (57% rounded up): the four best whatever their class, so class 1 keeps only one.
  assert.deepEqual(keepTopPercentOverall(all, labels, scores, 57), [1, 2, 3, 6]);
  // 15%: 2 of 7, class 0's 0.9 and class 1's 0.8.
  assert.deepEqual(keepTopPercentOverall(all, labels, scores, 15), [1, 6]);
  // 1 of 7 would keep only class 0: class 1 keeps its best member too.
  assert.deepEqual(keepTopPercentOverall(all, labels, scores, 10), [1, 6]);
  assert.deepEqual(keepTopPercentOverall(all, [0, 0, 0, 0, 1, 1, 2], scores, 10), [1, 4, 6]);
  assert.throws(() => keepTopPercentOverall(all, labels, scores, 0), /retention must be in \(0, 100\], got 0/);
});
