import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { faceaug } from '../helpers/cli.js';
import { withTempDir } from '../data/synthetic.js';

test('data filter documents confident learning', () => {
  const help = faceaug(['data', 'filter', '--help']);
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /gaussian, confidence, confident-learning/);
  assert.match(help.stdout, /--prune-by <how>\s+confident-learning: noise-rate or margin/);
});

test('data filter refuses a keep rule that no step would use, and an unknown pruning', () =>
  withTempDir(async (dir) => {
    const dataDir = join(dir, 'data');
    const ignored = faceaug(['data', 'filter', 'any', '--method', 'confident-learning', '--top-percent', '80', '--data-dir', dataDir]);
    assert.notEqual(ignored.status, 0);
    assert.match(ignored.stderr, /apply to --method confidence and to confident-learning with --prune-by margin/);
    const unknown = faceaug(['data', 'filter', 'any', '--method', 'confident-learning', '--prune-by', 'labels', '--data-dir', dataDir]);
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr, /invalid prune-by 'labels' \(expected noise-rate, margin\)/);
  }));
