import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detection, removalCount, removedAtBudget } from '../../trainer/filter/noise-detection.js';

// Ten samples, two classes of five; 1, 3 and 9 were flipped. Lowest scores: 9 (0.05), 1 (0.1), 5 (0.2), 3 (0.3).
const labels = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1];
const scores = [0.9, 0.1, 0.5, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6, 0.05];
const all = labels.map((_, i) => i);
const flipped = new Set([1, 3, 9]);

test('a global budget removes the lowest scores of the whole set', () => {
  assert.deepEqual(removedAtBudget(all, labels, scores, 0.2, 'global'), [1, 9]);
  assert.deepEqual(removedAtBudget(all, labels, scores, 0.3, 'global'), [1, 5, 9]);
  assert.deepEqual(removedAtBudget(all, labels, scores, 0, 'global'), []);
  assert.deepEqual(removedAtBudget(all, labels, scores, 1, 'global'), all);
  // Only the candidates count, at their data set rows: 3 of [2, 4, 7, 9] is 1 (0.3 x 4 = 1.2).
  assert.deepEqual(removedAtBudget([2, 4, 7, 9], labels, scores, 0.3, 'global'), [9]);
});

test('a per-class budget removes the same share of each class, each rounded', () => {
  assert.deepEqual(removedAtBudget(all, labels, scores, 0.2, 'per-class'), [1, 9]);
  // 0.3 x 5 = 1.5 rounds to 2 in each class: four removed where the global budget removes three.
  assert.deepEqual(removedAtBudget(all, labels, scores, 0.3, 'per-class'), [1, 3, 5, 9]);
});

test('ties at the cut go as the keep rules break them: the higher index first', () => {
  assert.deepEqual(removedAtBudget([0, 1, 2], [0, 0, 0], [0.5, 0.5, 0.5], 1 / 3, 'global'), [2]);
  assert.deepEqual(removedAtBudget([0, 1, 2], [0, 0, 0], [0.5, 0.5, 0.5], 1 / 3, 'per-class'), [2]);
});

test('budgets outside [0, 1] are refused; counts round to the nearest', () => {
  assert.throws(() => removedAtBudget(all, labels, scores, 1.5, 'global'), /budget must be in \[0, 1\], got 1.5/);
  assert.throws(() => removedAtBudget(all, labels, scores, Number.NaN, 'global'), /budget/);
  assert.equal(removalCount(0.1, 30), 3);
  assert.equal(removalCount(0.05, 30), 2);
});

test('precision is the share of the removal that was flipped, recall the share of the flips removed', () => {
  assert.deepEqual(detection([1, 5, 9], flipped), { removed: 3, found: 2, precision: 2 / 3, recall: 2 / 3 });
  assert.deepEqual(detection([1, 9], flipped), { removed: 2, found: 2, precision: 1, recall: 2 / 3 });
  assert.deepEqual(detection([1, 3, 5, 9], flipped), { removed: 4, found: 3, precision: 3 / 4, recall: 1 });
  const none = detection([], flipped);
  assert.ok(Number.isNaN(none.precision));
  assert.equal(none.recall, 0);
  assert.ok(Number.isNaN(detection([1], new Set()).recall));
});
