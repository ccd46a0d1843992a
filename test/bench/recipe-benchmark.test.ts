import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { importKaggleCsv } from '../../trainer/data/import-kaggle-csv.js';
import { cliEnv } from '../helpers/cli.js';
import { writeSyntheticFer } from '../helpers/synthetic-fer.js';
import { withTempDir } from '../data/synthetic.js';

const SCRIPT = new URL('../../bench/recipe.ts', import.meta.url).pathname;

interface Reading {
  meanAuc: number;
  accuracy: number;
}
interface Line extends Reading {
  member: number;
  epoch: number;
  trainImages: number;
  imageEpochs: number;
  testViews: Record<string, Reading>;
  ensemble?: Reading & { members: number; testViews: Record<string, Reading> };
}

test('bench:recipe scores each member at every epoch and, from the second on, the ensemble of all so far', { timeout: 300_000 }, () =>
  withTempDir(async (dir) => {
    const dataDir = join(dir, 'data');
    const csv = join(dir, 'fer.csv');
    // 12 Training images per class and 3 PublicTest: the fixed test set takes 3 per class.
    await writeSyntheticFer(csv, Object.fromEntries(Array.from({ length: 7 }, (_, c) => [c, [12, 3]])));
    const { manifest } = await importKaggleCsv(csv, { dataDir });
    const args = ['--data', manifest.id, '--test-per-class', '3', '--recipe', 'fast', '--epochs', '2', '--width', '0.25', '--batch-size', '32', '--test-flip', 'yes', '--members', '2'];
    const run = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { encoding: 'utf8', env: cliEnv({ FACEAUG_DATA_DIR: dataDir, FACEAUG_WORKERS: '1' }) });
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Line);

    assert.deepEqual(lines.map((l) => `${l.member}:${l.epoch}`), ['0:1', '0:2', '1:1', '1:2']);
    for (const line of lines) {
      assert.equal(line.trainImages, 7 * 12);
      assert.equal(line.imageEpochs, (line.member * 2 + line.epoch) * 7 * 12);
      // The recipe's own reading is the mirrored one.
      assert.deepEqual([line.meanAuc, line.accuracy], [line.testViews.flip!.meanAuc, line.testViews.flip!.accuracy]);
      assert.deepEqual(Object.keys(line.testViews), ['plain', 'flip', 'flip+shift1', 'flip+shift2']);
    }
    assert.equal(lines[0]!.ensemble, undefined);
    assert.equal(lines[1]!.ensemble, undefined);
    for (const { ensemble } of lines.slice(2)) {
      assert.ok(ensemble);
      assert.equal(ensemble.members, 2);
      assert.deepEqual([ensemble.meanAuc, ensemble.accuracy], [ensemble.testViews.flip!.meanAuc, ensemble.testViews.flip!.accuracy]);
      assert.ok(ensemble.meanAuc >= 0 && ensemble.meanAuc <= 1);
    }
  }));
