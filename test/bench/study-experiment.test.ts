import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cliEnv } from '../helpers/cli.js';
import { syntheticVersion, writeSyntheticFer } from '../helpers/synthetic-fer.js';
import { withTempDir } from '../data/synthetic.js';

const SCRIPT = new URL('../../bench/study-experiment.ts', import.meta.url).pathname;
const FACE = 2304;
const DISGUST = 1;

function bench(args: string[], dataDir: string) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { encoding: 'utf8', env: cliEnv({ FACEAUG_DATA_DIR: dataDir }) });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

interface Plan {
  seed: number;
  classifier: { recipe: string; members: number };
  targets: Array<{ name: string; label: number }>;
  counts: number[];
  gatedCounts: number[];
  test: number[];
  pool: number[];
  folds: Array<{ repeat: number; fold: number; seed: number; train: number[]; heldOut: number[] }>;
}

test('bench:study --export plans the folds, translates the candidates with the shipped translator and writes the faces', { timeout: 300_000 }, () =>
  withTempDir(async (dir) => {
    const dataDir = join(dir, 'data');
    const csv = join(dir, 'fer.csv');
    // 30 Training faces of every class but neutral (60), 4 PublicTest faces each.
    await writeSyntheticFer(csv, { 0: [30, 4], 1: [30, 4], 2: [30, 4], 3: [30, 4], 4: [30, 4], 5: [30, 4], 6: [60, 4] });
    const version = await syntheticVersion(dataDir, csv);
    const out = join(dir, 'export');
    const run = bench(['--data', version, '--export', out, '--targets', 'disgust', '--counts', '5,10', '--select-from', '20', '--folds', '3', '--test-per-class', '2'], dataDir);
    assert.equal(run.status, 0, run.stderr);

    const plan = JSON.parse(await readFile(join(out, 'plan.json'), 'utf8')) as Plan;
    const faces = await readFile(join(out, 'faces.px'));
    const labels = await readFile(join(out, 'faces.lb'));
    const rows = new Uint32Array((await readFile(join(out, 'faces.rows'))).buffer.slice(0));
    assert.equal(faces.length, labels.length * FACE);
    assert.equal(rows.length, labels.length);
    assert.deepEqual([plan.classifier.recipe, plan.classifier.members], ['strong', 2]);
    assert.deepEqual([plan.targets, plan.counts, plan.gatedCounts], [[{ name: 'disgust', label: DISGUST }], [5, 10], [5, 10]]);
    // Two test faces per class, the rest is the pool, and each fold holds out a third of the pool.
    assert.equal(plan.test.length, 14);
    assert.equal(plan.test.length + plan.pool.length, labels.length);
    assert.deepEqual(new Set([...plan.test, ...plan.pool]).size, labels.length);
    assert.equal(plan.folds.length, 3);
    const heldOut = plan.folds.flatMap((f) => f.heldOut).sort((a, b) => a - b);
    assert.deepEqual(heldOut, [...plan.pool].sort((a, b) => a - b));
    for (const f of plan.folds) assert.equal(f.train.length + f.heldOut.length, plan.pool.length);

    // The candidates are the translator's output, not copies of its input.
    const candidates = await readFile(join(out, 'candidates-disgust.px'));
    assert.equal(candidates.length, 20 * FACE);
    const neutral = Array.from(labels.keys()).filter((p) => labels[p] === 6).map((p) => faces.subarray(p * FACE, (p + 1) * FACE));
    const first = candidates.subarray(0, FACE);
    assert.ok(neutral.every((face) => !face.equals(first)), 'a candidate equals a source face');
  }));

/** A results directory as bench/torch_validation.py writes it: every classifier's probabilities, row by row. */
async function writeResults(dir: string, arms: Array<{ arm: string; target: string | null; fold: number; probabilities: (label: number) => number[] }>, plan: Plan, labels: number[]) {
  await mkdir(dir, { recursive: true });
  const tests: number[] = [];
  const helds: number[] = [];
  const records = arms.map(({ arm, target, fold, probabilities }) => {
    const record = { arm, target, synthetic: arm === 'baseline' ? 0 : 5, repeat: 0, fold, trainSeconds: 1, test: tests.length, heldOut: helds.length };
    for (const p of plan.test) tests.push(...probabilities(labels[p]!));
    for (const p of plan.folds[fold]!.heldOut) helds.push(...probabilities(labels[p]!).map((v) => Math.round(v * 65535)));
    return record;
  });
  await writeFile(join(dir, 'results.json'), JSON.stringify({ seconds: { 'chunk 1': 2 }, gate: {}, arms: records }));
  await writeFile(join(dir, 'test.f32'), new Float32Array(tests));
  await writeFile(join(dir, 'held-out.u16'), new Uint16Array(helds));
}

test('bench:study --results reports each arm against the baselines with the validation\'s statistics, merging runs', () =>
  withTempDir(async (dir) => {
    // Three folds over 14 pool images; the fixed test set has two faces of each class.
    const labels = [...Array.from({ length: 14 }, (_, n) => n % 7), ...Array.from({ length: 14 }, (_, n) => n % 7)];
    const pool = Array.from({ length: 14 }, (_, n) => 14 + n);
    const plan: Plan = {
      seed: 1,
      classifier: { recipe: 'strong', members: 2 },
      targets: [{ name: 'disgust', label: DISGUST }],
      counts: [5],
      gatedCounts: [],
      test: Array.from({ length: 14 }, (_, n) => n),
      pool,
      folds: [0, 1, 2].map((fold) => ({ repeat: 0, fold, seed: fold, train: pool.filter((_, k) => k % 3 !== fold), heldOut: pool.filter((_, k) => k % 3 === fold) })),
    };
    await writeFile(join(dir, 'plan.json'), JSON.stringify(plan));
    await writeFile(join(dir, 'faces.lb'), Uint8Array.from(labels));
    const oneHot = (label: number) => Array.from({ length: 7 }, (_, c) => (c === label ? 1 : 0));
    // The baseline reads every face as equally likely of every class; the augmented arms read them right.
    const uniform = () => Array(7).fill(1 / 7);
    await writeResults(join(dir, 'run-1'), [0, 1, 2].flatMap((fold) => [
      { arm: 'baseline', target: null, fold, probabilities: uniform },
      { arm: 'disgust+5', target: 'disgust', fold, probabilities: oneHot },
    ]), plan, labels);
    await writeResults(join(dir, 'run-2'), [0, 1, 2].map((fold) => ({ arm: 'disgust+5-of-20', target: 'disgust', fold, probabilities: oneHot })), plan, labels);

    const run = bench(['--results', `${join(dir, 'run-1')},${join(dir, 'run-2')}`, '--plan', dir, '--json'], dir);
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(lines.map((l) => l.arm), ['disgust+5', 'disgust+5-of-20', undefined]);
    for (const line of lines.slice(0, 2)) {
      assert.equal(line.folds, 3);
      assert.deepEqual([line.comparisons.targetAuc.t.baselineMean, line.comparisons.targetAuc.t.augmentedMean], [0.5, 1]);
      assert.equal(line.comparisons.targetAuc.t.meanDifference, 0.5);
      assert.deepEqual([line.comparisons.targetPrecision.t.augmentedMean, line.comparisons.accuracy.t.augmentedMean], [1, 1]);
    }
    assert.deepEqual(lines[2].seconds, { 'run 1 chunk 1': 2, 'run 2 chunk 1': 2 });

    const table = bench(['--results', join(dir, 'run-1'), '--plan', dir], dir);
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /\| disgust\+5 \| 3 \| 0\.000 -> 1\.000 \| 0\.500 -> 1\.000 \|/);
  }));

test('bench:study refuses a call without --export or --results, --results without --plan, and counts above --select-from', () =>
  withTempDir(async (dir) => {
    const tooMany = bench(['--data', 'any', '--export', dir, '--counts', '100,500', '--select-from', '200'], dir);
    assert.equal(tooMany.status, 1);
    assert.match(tooMany.stderr, /bench:study: a count of 500 exceeds --select-from 200/);
    const neither = bench([], dir);
    assert.equal(neither.status, 1);
    assert.match(neither.stderr, /bench:study: give one of --export <dir> and --results <dir>/);
    const noPlan = bench(['--results', dir], dir);
    assert.equal(noPlan.status, 1);
    assert.match(noPlan.stderr, /--results needs --plan/);
  }));
