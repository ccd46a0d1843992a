import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXPRESSIONS } from '../../core/expressions.js';
import { CONFUSION_PARTNER, injectLabelNoise } from '../../trainer/filter/noise-injection.js';

// 130 labels: 20 angry, 5 disgust, 10 fear, 40 happy, 15 sad, 10 surprise, 30 neutral, interleaved.
const counts = [20, 5, 10, 40, 15, 10, 30];
const labels = counts.flatMap((n, label) => Array.from({ length: n }, () => label));
for (let i = labels.length - 1; i > 0; i -= 3) [labels[i], labels[i - 1]] = [labels[i - 1]!, labels[i]!];

const countBy = (values: Iterable<number>, classes = 7) => {
  const out = new Array<number>(classes).fill(0);
  for (const v of values) out[v]!++;
  return out;
};

for (const kind of ['uniform', 'class-conditional'] as const) {
  test(`${kind}: round(rate x n_c) of each class flipped to another class, the rest unchanged`, () => {
    const { labels: noisy, flipped } = injectLabelNoise(labels, kind, 0.1, 5);
    // 2, 0.5 -> 1, 1, 4, 1.5 -> 2, 1, 3.
    assert.deepEqual(countBy(flipped.map((n) => labels[n]!)), [2, 1, 1, 4, 2, 1, 3]);
    assert.deepEqual(flipped, [...flipped].sort((a, b) => a - b));
    const isFlipped = new Set(flipped);
    labels.forEach((label, n) => assert.equal(noisy[n] !== label, isFlipped.has(n), `position ${n}`));
    assert.deepEqual(injectLabelNoise(labels, kind, 0.1, 5), { labels: noisy, flipped }, 'the same seed, the same noise');
    assert.notDeepEqual(injectLabelNoise(labels, kind, 0.1, 6).flipped, flipped);
  });
}

test('class-conditional noise sends each class to its confusion partner', () => {
  const { labels: noisy, flipped } = injectLabelNoise(labels, 'class-conditional', 0.5, 1);
  for (const n of flipped) assert.equal(EXPRESSIONS[noisy[n]!], CONFUSION_PARTNER[EXPRESSIONS[labels[n]!]!]);
  for (const name of EXPRESSIONS) assert.notEqual(CONFUSION_PARTNER[name], name);
});

test('both kinds flip the same images for one seed: they differ only in where the labels go', () => {
  assert.deepEqual(injectLabelNoise(labels, 'uniform', 0.2, 9).flipped, injectLabelNoise(labels, 'class-conditional', 0.2, 9).flipped);
});

test('uniform noise spreads a class over the other six evenly', () => {
  const happy = new Array<number>(6000).fill(3);
  const { labels: noisy, flipped } = injectLabelNoise(happy, 'uniform', 0.5, 2);
  assert.equal(flipped.length, 3000);
  const into = countBy(flipped.map((n) => noisy[n]!));
  assert.equal(into[3], 0);
  // 500 expected each; the binomial's standard deviation is about 20.
  into.forEach((count, label) => label !== 3 && assert.ok(Math.abs(count - 500) < 100, `${EXPRESSIONS[label]}: ${count}`));
});

test('rates outside (0, 1) and labels that are no expression are refused', () => {
  for (const rate of [0, 1, -0.1, Number.NaN]) assert.throws(() => injectLabelNoise(labels, 'uniform', rate, 1), /noise rate must be in \(0, 1\)/);
  assert.throws(() => injectLabelNoise([0, 7], 'uniform', 0.5, 1), /label 7 is not one of the 7 expressions/);
});
