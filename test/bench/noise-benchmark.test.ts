import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { importKaggleCsv } from '../../trainer/data/import-kaggle-csv.js';
import { cliEnv } from '../helpers/cli.js';
import { writeSyntheticFer } from '../helpers/synthetic-fer.js';
import { withTempDir } from '../data/synthetic.js';

const SCRIPT = new URL('../../bench/noise-benchmark.ts', import.meta.url).pathname;

function bench(args: string[], dataDir: string) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { encoding: 'utf8', env: cliEnv({ FACEAUG_DATA_DIR: dataDir, FACEAUG_WORKERS: '1' }) });
  return { status: run.status, stderr: run.stderr, lines: run.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>) };
}

test('bench:noise scores every method on injected noise, plots recall and retrains per method', { timeout: 600_000 }, () =>
  withTempDir(async (dir) => {
    const dataDir = join(dir, 'data');
    const csv = join(dir, 'fer.csv');
    // 260 Training images (disgust 20, the others 40), 5 PublicTest images per class.
    await writeSyntheticFer(csv, { 0: [40, 5], 1: [20, 5], 2: [40, 5], 3: [40, 5], 4: [40, 5], 5: [40, 5], 6: [40, 5] });
    const { manifest } = await importKaggleCsv(csv, { dataDir });
    const plot = join(dir, 'recall.png');
    const classifier = ['--folds', '2', '--epochs', '1', '--width', '0.25', '--batch-size', '32'];
    const run = bench(['--data', manifest.id, '--limit', '200', '--budgets', '0.1,0.2', '--plot', plot, '--retrain', ...classifier], dataDir);
    assert.equal(run.status, 0, run.stderr);
    const stage = (name: string) => run.lines.filter((line) => line.stage === name);

    const [setup] = stage('setup');
    // A stratified 200 of 260: 15 or 16 disgust and 30 or 31 of each other class, so 2 + 6 x 3 flips.
    assert.deepEqual([setup?.images, setup?.flipped], [200, 20]);
    const flippedPerClass = setup?.flippedPerClass as Record<string, number>;
    assert.deepEqual([flippedPerClass.disgust, flippedPerClass.happy], [2, 3]);
    const detections = stage('detection');
    const ranked = ['confidence', 'cl-margin', 'gaussian', 'random'];
    assert.deepEqual(detections.map((d) => `${d.method} ${d.budget}`), [...ranked.flatMap((m) => [`${m} 0.1`, `${m} 0.2`]), `cl-noise-rate ${detections.at(-1)?.budget}`]);
    for (const d of detections.slice(0, -1)) assert.equal(d.removed, d.budget === 0.1 ? 20 : 40);
    for (const d of detections) assert.equal(d.recall, Number(d.found) / Number(setup?.flipped));
    assert.deepEqual(stage('ranking').map((r) => r.method), ranked);

    const retrained = stage('retrain');
    assert.deepEqual(retrained.map((r) => r.method), ['none', 'oracle', ...ranked, 'cl-noise-rate']);
    const oracle = retrained[1]!;
    assert.deepEqual([oracle.found, oracle.precision, oracle.recall, oracle.trainImages], [setup?.flipped, 1, 1, 200 - Number(setup?.flipped)]);
    for (const r of retrained) assert.ok(Number(r.accuracy) >= 0 && Number(r.accuracy) <= 1 && r.testImages === 35, JSON.stringify(r));

    const meta = await sharp(plot).metadata();
    assert.equal(meta.format, 'png');
    // The probabilities on noisy labels are cached beside the data set: one file.
    assert.equal((await readdir(join(dataDir, 'datasets', manifest.id, 'out-of-fold'))).length, 1);
  }));

test('bench:noise --export writes the noisy faces, which were flipped, and PublicTest for the PyTorch twin', { timeout: 120_000 }, () =>
  withTempDir(async (dir) => {
    const dataDir = join(dir, 'data');
    const csv = join(dir, 'fer.csv');
    await writeSyntheticFer(csv, { 1: [20, 2], 3: [30, 3], 6: [30, 4] });
    const { manifest } = await importKaggleCsv(csv, { dataDir });
    const out = join(dir, 'export');
    const run = bench(['--data', manifest.id, '--export', out], dataDir);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.lines, [], 'it scores nothing');
    const read = async (name: string) => new Uint8Array(await readFile(join(out, name)));
    const [pixels, labels, flipped, testPixels, testLabels] = await Promise.all(['pool.px', 'pool.lb', 'pool.flipped', 'test.px', 'test.lb'].map(read));
    assert.deepEqual([pixels!.length, labels!.length, flipped!.length, testPixels!.length], [80 * 2304, 80, 80, 9 * 2304]);
    // 10% of each class flipped (2 + 3 + 3), each to another class than the Training row's own.
    const truth = Array.from({ length: 80 }, (_, n) => (n < 20 ? 1 : n < 50 ? 3 : 6));
    assert.equal(flipped!.reduce((sum, f) => sum + f, 0), 8);
    labels!.forEach((label, n) => assert.equal(label !== truth[n], flipped![n] === 1, `face ${n}`));
    assert.deepEqual([...testLabels!], [1, 1, 3, 3, 3, 6, 6, 6, 6]);
    // Each face's data set row, so that the twin can match these faces to another export's.
    const rows = new Uint32Array((await readFile(join(out, 'pool.rows'))).buffer.slice(0));
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, n) => from + n);
    assert.deepEqual([...rows], [...range(0, 20), ...range(22, 52), ...range(55, 85)], 'the Training rows, PublicTest left out');

  }));

test('bench:noise refuses bad flags with the value in the message', () =>
  withTempDir(async (dir) => {
    const rate = bench(['--data', 'any', '--rate', '1.5'], dir);
    assert.equal(rate.status, 1);
    assert.match(rate.stderr, /bench:noise: invalid rate '1.5'/);
    const budgets = bench(['--data', 'any', '--budgets', '0.1,x'], dir);
    assert.match(budgets.stderr, /invalid budget 'x'/);
    const methods = bench(['--data', 'any', '--methods', 'confidence,oracle'], dir);
    assert.match(methods.stderr, /invalid methods 'oracle' \(expected confidence, cl-margin, cl-noise-rate, gaussian, random\)/);
    const missing = bench(['--data', 'nothing'], dir);
    assert.match(missing.stderr, /bench:noise: no data set 'nothing'/);
  }));
