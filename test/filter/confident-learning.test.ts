import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  calibrateJoint,
  confidentJoint,
  confidentThresholds,
  estimateLabelNoise,
  noiseEstimate,
  normalizedMargin,
  pruneByNoiseRate,
  pruneCounts,
  roundRows,
  selfConfidence,
} from '../../trainer/filter/confident-learning.js';
import { keepCountPerClass } from '../../trainer/filter/keep-rules.js';

const close = (actual: number, expected: number, tolerance = 1e-12) => assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} != ${expected}`);
const closeRows = (actual: number[][], expected: number[][]) => actual.forEach((row, i) => row.forEach((v, j) => close(v, expected[i]![j]!)));

// Ten samples, three classes; the comments give each one's confident class under thresholds (0.5, 0.4, 0.6).
const labels = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
const probabilities = [
  [0.9, 0.05, 0.05], // 0: class 0 only
  [0.4, 0.35, 0.25], // 1: none reaches its threshold, not counted
  [0.6, 0.4, 0.0], //   2: classes 0 and 1, the likelier is 0
  [0.1, 0.8, 0.1], //   3: class 1, labelled 0
  [0.4, 0.5, 0.1], //   4: class 1
  [0.5, 0.4, 0.1], //   5: classes 0 and 1 -> 0, labelled 1
  [0.1, 0.3, 0.6], //   6: class 2 (0.6 against a threshold of (0.8 + 0.7 + 0.3) / 3), labelled 1
  [0.1, 0.1, 0.8], //   7: class 2
  [0.2, 0.1, 0.7], //   8: class 2
  [0.6, 0.1, 0.3], //   9: class 0, labelled 2
].flat();

test('thresholds are each class\'s mean self-confidence', () => {
  const [t0, t1, t2] = confidentThresholds(labels, probabilities);
  close(t0!, (0.9 + 0.4 + 0.6 + 0.1) / 4);
  close(t1!, (0.5 + 0.4 + 0.3) / 3);
  close(t2!, (0.8 + 0.7 + 0.3) / 3);
  // A class nobody is labelled with: nothing can be counted into it.
  assert.equal(confidentThresholds([0, 0], [0.7, 0.3, 0.6, 0.4])[1], Number.POSITIVE_INFINITY);
});

test('confident joint: rows given, columns confident class; the uncounted sample is left out', () => {
  const joint = confidentJoint(labels, probabilities, confidentThresholds(labels, probabilities));
  assert.deepEqual(joint, [
    [2, 1, 0],
    [1, 1, 1],
    [1, 0, 2],
  ]);
});

test('confident joint: the argmax among confident classes, thresholds reached within rounding', () => {
  // Class 0's likeliest class is 0 at 0.5, under its threshold 0.6; 1 and 2 both pass: 1 is the likelier.
  assert.deepEqual(confidentJoint([0], [0.5, 0.3, 0.2], [0.6, 0.25, 0.15]), [
    [0, 1, 0],
    [0, 0, 0],
    [0, 0, 0],
  ]);
  // The mean of three 0.1s is 0.10000000000000002: each 0.1 still reaches it. Class 1 has no labels.
  const tiny = [0, 0, 0, 2];
  const probs = [0.1, 0.2, 0.7, 0.1, 0.2, 0.7, 0.1, 0.2, 0.7, 0, 0, 1];
  assert.deepEqual(confidentJoint(tiny, probs, confidentThresholds(tiny, probs)), [
    [3, 0, 0],
    [0, 0, 0],
    [0, 0, 1],
  ]);
});

test('calibration scales each row to its label count, the diagonal raised to 1 first', () => {
  closeRows(
    calibrateJoint(
      [
        [2, 1, 0],
        [1, 1, 1],
        [1, 0, 2],
      ],
      [4, 3, 3],
    ),
    [
      [8 / 3, 4 / 3, 0],
      [1, 1, 1],
      [1, 0, 2],
    ],
  );
  // Row 0 had nothing on its diagonal ([0, 3] -> [1, 3] -> scaled to 8); class 1 has no labels.
  closeRows(
    calibrateJoint(
      [
        [0, 3],
        [2, 0],
      ],
      [8, 0],
    ),
    [
      [2, 6],
      [0, 0],
    ],
  );
});

test('rounding keeps row totals: the largest remainders get the missing units', () => {
  assert.deepEqual(roundRows([[8 / 3, 4 / 3, 0], [1, 1, 1], [0.4, 0.4, 0.2]]), [[3, 1, 0], [1, 1, 1], [1, 0, 0]]);
  // 1.5 + 1.5 = 3: plain rounding would give 4; the tie goes to the lower column.
  assert.deepEqual(roundRows([[1.5, 1.5]]), [[2, 1]]);
});

test('prune counts never empty a class', () => {
  assert.deepEqual(
    pruneCounts([
      [0, 3, 1],
      [0, 2, 0],
      [0, 0, 0],
    ]),
    [
      [1, 2, 1],
      [0, 2, 0],
      [0, 0, 0],
    ],
  );
});

test('noise matrix p(given | true) and true prior from the joint', () => {
  const { noiseMatrix, truePrior } = noiseEstimate([
    [3, 1, 0],
    [1, 1, 1],
    [1, 0, 2],
  ]);
  // Columns (true classes) hold 5, 2 and 3 of the 10 samples.
  closeRows(noiseMatrix, [
    [3 / 5, 1 / 2, 0],
    [1 / 5, 1 / 2, 1 / 3],
    [1 / 5, 0, 2 / 3],
  ]);
  truePrior.forEach((p, j) => close(p, [0.5, 0.2, 0.3][j]!));
  // A true class without counts: a zero column, not NaN.
  assert.deepEqual(noiseEstimate([[2, 0], [1, 0]]).noiseMatrix, [[2 / 3, 0], [1 / 3, 0]]);
});

test('the whole estimate on the ten samples', () => {
  const noise = estimateLabelNoise(labels, probabilities);
  assert.deepEqual(noise.joint, [
    [3, 1, 0],
    [1, 1, 1],
    [1, 0, 2],
  ]);
  assert.deepEqual(noise.prune, noise.joint);
  close(noise.noiseMatrix[1]![0]!, 1 / 5);
  close(noise.truePrior[2]!, 0.3);
});

test('prune by noise rate: the largest margins toward each off-diagonal class', () => {
  const { prune } = estimateLabelNoise(labels, probabilities);
  // (0,1): p1 - p0 is largest for 3 (0.7); (1,0): p0 - p1 for 5 (0.1); (1,2): p2 - p1 for 6 (0.3); (2,0): p0 - p2 for 9 (0.3).
  assert.deepEqual(pruneByNoiseRate(labels, probabilities, prune), [3, 5, 6, 9]);
  // Asking two from (0,1) adds sample 1 (p1 - p0 = -0.05), but its likeliest class is its label: it stays.
  const twoFromZero = [
    [2, 2, 0],
    [1, 1, 1],
    [1, 0, 2],
  ];
  assert.deepEqual(pruneByNoiseRate(labels, probabilities, twoFromZero), [3, 5, 6, 9]);
});

test('pruning by margin, as many per class as the joint\'s off-diagonal, removes the same four here', () => {
  const { prune } = estimateLabelNoise(labels, probabilities);
  const positions = labels.map((_, n) => n);
  // Keeps 3 of class 0, 1 of class 1 and 2 of class 2, the highest margins.
  const kept = keepCountPerClass(positions, labels, normalizedMargin(labels, probabilities), prune.map((row, i) => row[i]!));
  assert.deepEqual(kept, [0, 1, 2, 4, 7, 8]);
});

test('ranking scores: self-confidence and normalized margin', () => {
  assert.deepEqual([...selfConfidence(labels, probabilities)], [0.9, 0.4, 0.6, 0.1, 0.5, 0.4, 0.3, 0.8, 0.7, 0.3]);
  const margins = normalizedMargin(labels, probabilities);
  // Sample 0: (0.9 - 0.05 + 1) / 2; sample 5: (0.4 - 0.5 + 1) / 2; sample 9: (0.3 - 0.6 + 1) / 2.
  close(margins[0]!, 0.925);
  close(margins[5]!, 0.45);
  close(margins[9]!, 0.35);
  assert.ok(margins.every((m) => m >= 0 && m <= 1));
});

test('no samples: nothing to estimate; a matrix of the wrong size is refused', () => {
  assert.deepEqual(estimateLabelNoise([], []).joint, []);
  assert.deepEqual([...normalizedMargin([], [])], []);
  assert.throws(() => confidentThresholds([0, 1], [0.5, 0.5, 1]), /n x K probabilities for 2 labels, got 3/);
});
