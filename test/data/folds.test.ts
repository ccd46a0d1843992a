import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldSplit, stratifiedFolds } from '../../trainer/data/folds.js';

// 7 classes of very different sizes, like FER2013 (disgust is rare).
const labels = Uint8Array.from([...Array(103).fill(0), ...Array(11).fill(1), ...Array(57).fill(2), ...Array(200).fill(3), ...Array(3).fill(6)]);

test('every sample is in exactly one fold and the folds cover all', () => {
  const k = 5;
  const fold = stratifiedFolds(labels, k, 42);
  const seen = new Uint8Array(labels.length);
  for (let f = 0; f < k; f++) {
    const { train, test: held } = foldSplit(fold, f);
    assert.equal(train.length + held.length, labels.length);
    const heldSet = new Set(held);
    assert.ok(train.every((i) => !heldSet.has(i)), 'train and test overlap');
    for (const i of held) seen[i]!++;
  }
  assert.ok(seen.every((count) => count === 1));
});

test('stratified: each class is spread over the folds within one sample', () => {
  const k = 5;
  const fold = stratifiedFolds(labels, k, 7);
  for (const label of new Set(labels)) {
    const perFold = new Array(k).fill(0);
    labels.forEach((l, i) => l === label && perFold[fold[i]!]++);
    assert.ok(Math.max(...perFold) - Math.min(...perFold) <= 1, `class ${label}: ${perFold}`);
  }
  const sizes = new Array(k).fill(0);
  fold.forEach((f) => sizes[f]++);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `fold sizes ${sizes}`);
});

test('seeded: same seed, same folds; another seed, other folds', () => {
  assert.deepEqual(stratifiedFolds(labels, 4, 1), stratifiedFolds(labels, 4, 1));
  assert.notDeepEqual(stratifiedFolds(labels, 4, 1), stratifiedFolds(labels, 4, 2));
  assert.throws(() => stratifiedFolds(labels, 1, 1), /folds must be/);
});
