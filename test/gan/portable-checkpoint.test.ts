import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint, type Checkpoint } from '../../trainer/gan/checkpoint.js';
import { decodePortable, encodePortable, type DataReference } from '../../trainer/gan/portable-checkpoint.js';
import { PRESETS } from '../../trainer/gan/options.js';
import { loadSnapshot } from '../../trainer/gan/snapshots.js';
import { faceaug } from '../helpers/cli.js';
import { syntheticVersion, writeSyntheticFer } from '../helpers/synthetic-fer.js';
import { seededValues } from '../helpers/tensors.js';

const DATA: DataReference = { datasetId: 'abc', versionId: 'duplicates-0123456789', chain: [{ id: 'duplicates-0123456789', method: 'duplicates', params: {} }] };

function checkpoint(): Checkpoint {
  const weights = new Map([['c/filter', { shape: [10, 100], values: seededValues(1000, 1) }]]);
  return {
    options: { ...PRESETS.cpu, source: 'neutral', target: 'disgust', workers: 1 },
    globalStep: 300,
    epoch: 0,
    stepInEpoch: 300,
    history: [{ step: 0, epoch: 0, generator: 1.23456789, adversarial: 1, cycle: 0.5, identity: 0.25, expression: 0, change: 0, discriminatorA: 0.3, discriminatorB: 0.2, learningRate: 2e-4, noiseSigma: 0.1, seconds: 1.5 }],
    state: {
      weights: { gAB: weights, gBA: weights, dA: weights, dB: weights },
      optimizers: {
        generator: [
          { name: 'iter', shape: [], values: Float32Array.of(300) },
          { name: 'm', shape: [1000], values: seededValues(1000, 2).map((v) => v * 1e-3) },
          { name: 'v', shape: [1000], values: seededValues(1000, 3).map((v) => v * v * 1e-10) },
        ],
        discriminator: [{ name: 'accBeta1', shape: [], values: Float32Array.of(0.5 ** 300) }],
      },
    },
    pools: [{ A: { capacity: 3, images: [new Float32Array(4)] }, B: { capacity: 3, images: [] } }],
  };
}

const maxRelative = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!) / Math.max(Math.abs(b[i]!), 1e-30)), 0);

test('a portable checkpoint keeps weights in float16, moments in bfloat16, scalars exactly, and drops the pools', () => {
  const original = checkpoint();
  const { checkpoint: back, data } = decodePortable(encodePortable({ checkpoint: original, data: DATA }));
  assert.deepEqual(data, DATA);
  assert.deepEqual([back.globalStep, back.epoch, back.stepInEpoch, back.options], [300, 0, 300, original.options]);
  assert.equal(back.history[0]!.generator, 1.2346, 'history at 5 significant digits');
  const w = back.state.weights.dB.get('c/filter')!;
  assert.deepEqual(w.shape, [10, 100]);
  assert.ok(maxRelative(w.values, original.state.weights.dB.get('c/filter')!.values) <= 2 ** -11, 'float16 weights');
  const [iter, m, v] = back.state.optimizers.generator;
  assert.deepEqual([iter!.name, iter!.values[0]], ['iter', 300]);
  assert.ok(maxRelative(m!.values, original.state.optimizers.generator[1]!.values) <= 2 ** -8);
  assert.ok(maxRelative(v!.values, original.state.optimizers.generator[2]!.values) <= 2 ** -8, 'squared gradients survive');
  assert.equal(back.state.optimizers.discriminator[0]!.values[0], Math.fround(0.5 ** 300), 'scalars stay float32');
  assert.deepEqual(back.pools, []);
  assert.throws(() => decodePortable(Buffer.from('not a checkpoint')), /not gzip/);
});

const TINY = [
  '--ngf', '4', '--blocks', '1', '--sub-blocks', '2', '--ndf', '4', '--d-layers', '2', '--batch-size', '2', '--workers', '1',
  '--epochs', '2', '--decay-epochs', '1', '--steps-per-epoch', '8', '--checkpoint-every', '4', '--backend', 'wasm', '--json',
];

test('train --resume-from continues a portable checkpoint on a fresh data dir, or says how to rebuild its data', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'faceaug-portable-'));
  try {
    const csv = join(dir, 'fer.csv');
    await writeSyntheticFer(csv, { 1: [6, 0], 6: [14, 8] });
    const portable = join(dir, 'models', 'neutral-to-disgust', 'training', 'checkpoint.bin.gz');
    const first = join(dir, 'first');
    const version = await syntheticVersion(first, csv);
    const started = faceaug(['train', '--data', version, '--target', 'disgust', '--data-dir', first, '--stop-at', '8', '--portable-checkpoint', portable, ...TINY]);
    assert.equal(started.status, 0, started.stderr);
    assert.ok((await stat(portable)).size > 0);

    const empty = join(dir, 'empty');
    const missing = faceaug(['train', '--resume-from', portable, '--data-dir', empty, '--backend', 'wasm']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, new RegExp(`data set version ${version} .*faceaug data import.*duplicates`));

    // Another machine: the same file imported and filtered again gives the same version id.
    const second = join(dir, 'second');
    assert.equal(await syntheticVersion(second, csv), version);
    const resumed = faceaug(['train', '--resume-from', portable, '--data-dir', second, '--backend', 'wasm', '--json']);
    assert.equal(resumed.status, 0, resumed.stderr);
    const result = JSON.parse(resumed.stdout) as { steps: number; runDir: string };
    assert.equal(result.steps, 24, 'the schedule continues where the checkpoint stopped');
    const record = JSON.parse(await readFile(join(result.runDir, 'run.json'), 'utf8')) as { resumedFrom: { path: string; step: number } };
    assert.deepEqual(record.resumedFrom, { path: portable, step: 8 });
    const rows = (await readFile(join(result.runDir, 'losses.csv'), 'utf8')).trim().split('\n');
    assert.equal(rows.length, 1 + 24, 'the loss history covers the steps before and after the move');
    const { checkpoint: updated } = decodePortable(await readFile(portable));
    assert.equal(updated.globalStep, 24, 'the resumed run keeps the same portable file up to date');

    // A finished checkpoint on yet another machine trains nothing, and still gets a run checkpoint
    // and a generator snapshot, to be evaluated and shipped there; its file is left as it was.
    const before = await readFile(portable);
    const third = join(dir, 'third');
    await syntheticVersion(third, csv);
    const finished = faceaug(['train', '--resume-from', portable, '--data-dir', third, '--backend', 'wasm', '--json']);
    assert.equal(finished.status, 0, finished.stderr);
    const shipped = JSON.parse(finished.stdout) as { steps: number; runDir: string };
    assert.equal(shipped.steps, 24);
    const snapshot = await loadSnapshot(shipped.runDir, 24);
    assert.deepEqual([...snapshot.keys()], [...updated.state.weights.gAB.keys()]);
    for (const [name, { values }] of updated.state.weights.gAB) assert.deepEqual(snapshot.get(name)!.values, values, name);
    assert.equal((await loadCheckpoint(shipped.runDir))?.globalStep, 24);
    assert.ok(before.equals(await readFile(portable)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('train --init-from starts a new run from a portable checkpoint\'s weights and settings, with flags over them', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'faceaug-warm-'));
  try {
    const csv = join(dir, 'fer.csv');
    await writeSyntheticFer(csv, { 1: [6, 0], 5: [6, 0], 6: [14, 8] });
    const portable = join(dir, 'checkpoint.bin.gz');
    const version = await syntheticVersion(dir, csv);
    const first = faceaug(['train', '--data', version, '--target', 'disgust', '--data-dir', dir, '--stop-at', '8', '--portable-checkpoint', portable, ...TINY]);
    assert.equal(first.status, 0, first.stderr);

    // Another target and loss weight; --data comes from the checkpoint, the architecture too (not the cpu preset's).
    const warm = faceaug(['train', '--init-from', portable, '--target', 'surprise', '--lambda-cyc', '3', '--lr', '1e-12', '--stop-at', '1', '--data-dir', dir, '--backend', 'wasm', '--json']);
    assert.equal(warm.status, 0, warm.stderr);
    const result = JSON.parse(warm.stdout) as { steps: number; scheduledSteps: number; runDir: string };
    assert.deepEqual([result.steps, result.scheduledSteps], [1, 24], 'step and schedule start afresh');
    const record = JSON.parse(await readFile(join(result.runDir, 'run.json'), 'utf8')) as {
      initializedFrom: { path: string; step: number };
      dataVersion: string;
      options: { target: string; lambdaCycle: number; ngf: number };
    };
    assert.deepEqual(record.initializedFrom, { path: portable, step: 8 });
    assert.equal(record.dataVersion, version);
    assert.deepEqual([record.options.target, record.options.lambdaCycle, record.options.ngf], ['surprise', 3, 4]);

    // One step at a vanishing learning rate leaves the generator where the checkpoint had it.
    const { checkpoint: saved } = decodePortable(await readFile(portable));
    const after = await loadSnapshot(result.runDir, 1);
    for (const [name, { values }] of saved.state.weights.gAB) {
      assert.ok(maxRelative(after.get(name)!.values, values) < 1e-6, `${name} did not start from the checkpoint`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
