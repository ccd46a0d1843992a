import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifierSettings } from '../../trainer/classifier/options.js';
import { outOfFoldKey } from '../../trainer/filter/out-of-fold-cache.js';

const params = { folds: 5, seed: 1, ...classifierSettings({ width: 0.5 }) };
const key = outOfFoldKey('abc', [0, 1, 2], [3], params);

test('the cache key changes with whatever changes the probabilities', () => {
  assert.match(key, /^[0-9a-f]{16}$/);
  assert.notEqual(outOfFoldKey('abd', [0, 1, 2], [3], params), key);
  assert.notEqual(outOfFoldKey('abc', [0, 1, 4], [3], params), key);
  // The same rows split differently between candidates and outside are another computation.
  assert.notEqual(outOfFoldKey('abc', [0, 1], [2, 3], params), key);
  assert.notEqual(outOfFoldKey('abc', [0, 1, 2], [3], { ...params, seed: 2 }), key);
  assert.notEqual(outOfFoldKey('abc', [0, 1, 2], [3], { ...params, folds: 4 }), key);
  assert.notEqual(outOfFoldKey('abc', [0, 1, 2], [3], { ...params, epochs: 6 }), key);
});

test('the cache key ignores what does not change them', () => {
  // Settings in another order, extra filter fields, and a recipe name that resolves to the same settings.
  const reordered = Object.fromEntries(Object.entries(params).reverse()) as typeof params;
  assert.equal(outOfFoldKey('abc', [0, 1, 2], [3], reordered), key);
  const confidenceSpec = { method: 'confidence', keep: { rule: 'top-n', value: 3 }, ...params };
  assert.equal(outOfFoldKey('abc', [0, 1, 2], [3], confidenceSpec), key);
  assert.equal(outOfFoldKey('abc', [0, 1, 2], [3], { ...params, recipe: 'reference' }), key);
});

test('labels other than the data set\'s are their own key; only the candidates\' labels count', () => {
  const noisy = [0, 3, 2, 5, 6];
  const relabelled = outOfFoldKey('abc', [0, 1, 2], [3], params, noisy);
  assert.notEqual(relabelled, key, 'never the data set\'s own probabilities');
  assert.equal(outOfFoldKey('abc', [0, 1, 2], [3], params, [0, 3, 2, 1, 1]), relabelled, 'rows 3 and 4 are not trained on');
  assert.notEqual(outOfFoldKey('abc', [0, 1, 2], [3], params, [0, 4, 2, 5, 6]), relabelled);
});
