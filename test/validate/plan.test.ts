import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planFolds, selectTestSet } from '../../trainer/validate/plan.js';
import { topK } from '../../trainer/validate/quality-gate.js';

// 7 classes x 10 images: images 0-5 of each class in Training (usage 0), 6-9 in PublicTest (usage 1).
const labels = Array.from({ length: 70 }, (_, i) => Math.floor(i / 10));
const usage = Array.from({ length: 70 }, (_, i) => (i % 10 < 6 ? 0 : 1));
const kept = Array.from({ length: 70 }, (_, i) => i).filter((i) => i !== 13);

test('the fixed test set takes held-out splits first, tops up from Training, and is disjoint from the pool', () => {
  const { test: fixed, pool, fromTraining } = selectTestSet(labels, usage, kept, 3, 7);
  assert.equal(fixed.length, 21);
  assert.ok(fixed.every((i) => usage[i] === 1), 'three per class fit in PublicTest');
  assert.deepEqual(fromTraining, [0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...fixed, ...pool].sort((a, b) => a - b), kept);
  assert.deepEqual(selectTestSet(labels, usage, kept, 3, 7).test, fixed, 'seeded');

  const topped = selectTestSet(labels, usage, kept, 6, 7);
  assert.deepEqual(topped.fromTraining, [2, 2, 2, 2, 2, 2, 2]);
  assert.ok(topped.test.filter((i) => labels[i] === 1).every((i) => i !== 13), 'never a dropped image');
  assert.throws(() => selectTestSet(labels, usage, kept, 9, 7), /needs 9 disgust images .* has 9/);
});

test('repeated stratified folds: each repeat partitions the pool, repeats differ, plans are seeded', () => {
  const { pool } = selectTestSet(labels, usage, kept, 3, 7);
  const plans = planFolds(labels, pool, 3, 2, 5);
  assert.equal(plans.length, 6);
  for (const repeat of [0, 1]) {
    const ofRepeat = plans.filter((p) => p.repeat === repeat);
    assert.deepEqual(ofRepeat.flatMap((p) => p.heldOut).sort((a, b) => a - b), [...pool].sort((a, b) => a - b));
    for (const p of ofRepeat) assert.equal(p.train.length + p.heldOut.length, pool.length);
  }
  assert.notDeepEqual(plans[0]!.heldOut, plans[3]!.heldOut);
  assert.equal(new Set(plans.map((p) => p.seed)).size, 6);
  // Adding a repeat leaves the earlier ones as they were, so their saved folds stay valid.
  assert.deepEqual(planFolds(labels, pool, 3, 3, 5).slice(0, 6), plans);
});

test('topK keeps the highest scores, ties in input order', () => {
  assert.deepEqual(topK([0.2, 0.9, 0.5, 0.9, 0.1], 3), [1, 3, 2]);
  assert.deepEqual(topK([0.3], 0), []);
});
