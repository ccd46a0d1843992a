import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { faceaug } from '../helpers/cli.js';
import { withTempDir } from '../data/synthetic.js';
import { syntheticVersion, writeSyntheticFer } from '../helpers/synthetic-fer.js';

test('data filter documents confident learning', () => {
  const help = faceaug(['data', 'filter', '--help']);
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /gaussian, confidence, confident-learning/);
  assert.match(help.stdout, /--prune-by <how>\s+confident-learning: noise-rate or margin/);
  assert.match(help.stdout.replace(/\s+/g, ' '), /--class-balance <how> confidence, confident-learning: rare classes: .* \(default here: none, whatever the recipe\)/);
  assert.match(help.stdout.replace(/\s+/g, ' '), /--top-percent-overall <percent> confidence, confident-learning --prune-by margin: keep the best-scored percent of all images, whatever their class \(finds more label noise, takes more of rare classes\)/);
});

test('data filter refuses a keep rule that no step would use, and an unknown pruning', () =>
  withTempDir(async (dir) => {
    const dataDir = join(dir, 'data');
    const ignored = faceaug(['data', 'filter', 'any', '--method', 'confident-learning', '--top-percent', '80', '--data-dir', dataDir]);
    assert.notEqual(ignored.status, 0);
    assert.match(ignored.stderr, /apply to --method confidence and to confident-learning with --prune-by margin/);
    const both = faceaug(['data', 'filter', 'any', '--method', 'confidence', '--top-percent', '80', '--top-percent-overall', '90', '--data-dir', dataDir]);
    assert.notEqual(both.status, 0);
    assert.match(both.stderr, /give at most one of --min-confidence, --top-n, --top-percent, --top-percent-overall/);
    const unknown = faceaug(['data', 'filter', 'any', '--method', 'confident-learning', '--prune-by', 'labels', '--data-dir', dataDir]);
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr, /invalid prune-by 'labels' \(expected noise-rate, margin\)/);
  }));

test('the confidence filter keeps the best 90% of each class, from classifiers without class weights, unless told otherwise', { timeout: 300_000 }, () =>
  withTempDir(async (dir) => {
    const csv = join(dir, 'fer.csv');
    await writeSyntheticFer(csv, { 1: [6, 1], 3: [14, 1], 6: [10, 1] });
    const dataDir = join(dir, 'data');
    const version = await syntheticVersion(dataDir, csv);
    const tiny = ['--recipe', 'quick', '--epochs', '1', '--width', '0.125', '--batch-size', '8', '--folds', '2', '--backend', 'wasm', '--data-dir', dataDir, '--json'];
    const filter = (flags: string[]) => {
      const run = faceaug(['data', 'filter', version, '--method', 'confidence', ...tiny, ...flags]);
      assert.equal(run.status, 0, run.stderr);
      return (JSON.parse(run.stdout) as Array<{ params: Record<string, unknown>; keptCount: number }>)[0]!;
    };
    // Per class, rounded up: 6 of 6, 13 of 14, 9 of 10, and the 3 PublicTest faces, which pass through.
    const byDefault = filter([]);
    assert.deepEqual([byDefault.params.keepRule, byDefault.params.classBalance, byDefault.keptCount], [{ rule: 'top-percent', value: 90 }, 'none', 31]);
    // 15 of the 30 Training faces whatever their class, and the 3 PublicTest ones.
    const told = filter(['--class-balance', 'weights', '--top-percent-overall', '50']);
    assert.deepEqual([told.params.keepRule, told.params.classBalance, told.keptCount], [{ rule: 'top-percent-overall', value: 50 }, 'weights', 18]);
  }));
