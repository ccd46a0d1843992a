import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classificationMetrics, confusionMatrix, perClassScores, rocAuc } from '../../trainer/validate/metrics.js';

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} vs ${expected}`);

test('ROC-AUC: perfect, reversed, and ties counted one half (Mann-Whitney)', () => {
  assert.equal(rocAuc([0.1, 0.2, 0.8, 0.9], [false, false, true, true]), 1);
  assert.equal(rocAuc([0.9, 0.8, 0.2, 0.1], [false, false, true, true]), 0);
  assert.equal(rocAuc([0.5, 0.5, 0.5, 0.5], [false, true, false, true]), 0.5);
  // Pairs (positive, negative): 0.4 beats 0.1 and ties two 0.4s -> 2; 0.8 beats all -> 3; 0.1 ties one 0.1 -> 0.5. 5.5 / 9.
  close(rocAuc([0.1, 0.4, 0.4, 0.8, 0.4, 0.1], [false, false, true, true, false, true]), 5.5 / 9, 'ties');
  assert.ok(Number.isNaN(rocAuc([0.1, 0.2], [true, true])));
});

test('precision, recall and F1 per class from a confusion matrix; a never-predicted class has precision 0', () => {
  const labels = [0, 0, 0, 1, 1, 2];
  const predicted = [0, 0, 1, 1, 0, 0];
  const confusion = confusionMatrix(labels, predicted, 3);
  assert.deepEqual([...confusion], [2, 1, 0, 1, 1, 0, 1, 0, 0]);
  const { precision, recall, f1 } = perClassScores(confusion, 3);
  assert.deepEqual(precision, [0.5, 0.5, 0]);
  assert.deepEqual(recall, [2 / 3, 0.5, 0]);
  close(f1[0]!, (2 * 0.5 * (2 / 3)) / (0.5 + 2 / 3), 'f1 class 0');
  close(f1[1]!, 0.5, 'f1 class 1');
  assert.equal(f1[2], 0);
});

test('classificationMetrics: accuracy, macro means over present classes, per-class AUC', () => {
  // 3 classes, 4 samples; class 2 absent from the labels.
  const probabilities = [
    [0.7, 0.2, 0.1],
    [0.3, 0.6, 0.1],
    [0.5, 0.4, 0.1],
    [0.2, 0.3, 0.5],
  ].flat();
  const labels = [0, 1, 1, 0];
  const m = classificationMetrics(probabilities, labels, 3);
  assert.equal(m.accuracy, 0.5);
  assert.deepEqual(m.precision, [0.5, 1, 0]);
  assert.deepEqual(m.recall, [0.5, 0.5, NaN]);
  // Class 0 scores 0.7, 0.3, 0.5, 0.2: positives {0.7, 0.2} vs negatives {0.3, 0.5} -> 2 of 4 pairs.
  close(m.auc[0]!, 0.5, 'auc 0');
  // Class 1 scores 0.2, 0.6, 0.4, 0.3: both positives beat both negatives.
  assert.equal(m.auc[1], 1);
  assert.ok(Number.isNaN(m.auc[2]!));
  close(m.meanPrecision, 0.75, 'mean precision over present classes');
  close(m.meanAuc, 0.75, 'mean auc');
  // F1: class 0 precision 1/2 recall 1/2 -> 1/2; class 1 precision 1 recall 1/2 -> 2/3.
  close(m.macroF1, (0.5 + 2 / 3) / 2, 'macro f1');
  assert.equal(m.count, 4);
  assert.throws(() => classificationMetrics([0.5], [0], 3), /probabilities/);
});
