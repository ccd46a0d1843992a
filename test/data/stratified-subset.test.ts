import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stratifiedSubset } from '../../trainer/data/stratified-subset.js';

// 374 samples of 5 classes of very different sizes, as in FER2013 (disgust is rare).
const sizes: Record<number, number> = { 0: 103, 1: 11, 2: 57, 3: 200, 6: 3 };
const labels = Uint8Array.from(Object.entries(sizes).flatMap(([label, n]) => Array<number>(n).fill(Number(label))));
const all = Array.from(labels.keys());

test('a subset of the asked size keeps each class within one of its share', () => {
  const subset = stratifiedSubset(all, labels, 100, 3);
  assert.equal(subset.length, 100);
  assert.deepEqual(subset, [...new Set(subset)].sort((a, b) => a - b), 'distinct and ascending');
  for (const [label, n] of Object.entries(sizes)) {
    const taken = subset.filter((i) => labels[i] === Number(label)).length;
    assert.ok(Math.abs(taken - (100 * n) / all.length) <= 1, `class ${label}: ${taken} of ${n}`);
  }
});

test('seeded, and drawn from the given indices only', () => {
  assert.deepEqual(stratifiedSubset(all, labels, 50, 3), stratifiedSubset(all, labels, 50, 3));
  assert.notDeepEqual(stratifiedSubset(all, labels, 50, 3), stratifiedSubset(all, labels, 50, 4));
  const odd = all.filter((i) => i % 2 === 1);
  assert.ok(stratifiedSubset(odd, labels, 40, 1).every((i) => i % 2 === 1));
});

test('all of them when the size is not smaller; a bad size is refused', () => {
  assert.deepEqual(stratifiedSubset([5, 2, 9], labels, 3, 1), [2, 5, 9]);
  assert.deepEqual(stratifiedSubset([5, 2, 9], labels, 10, 1), [2, 5, 9]);
  assert.deepEqual(stratifiedSubset(all, labels, 0, 1), []);
  assert.throws(() => stratifiedSubset(all, labels, 2.5, 1), /subset size must be a non-negative integer, got 2.5/);
});
