import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, watch } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { loadCheckpoint } from '../../trainer/gan/checkpoint.js';
import { loadSnapshot, snapshotSteps } from '../../trainer/gan/snapshots.js';
import { faceaug, spawnFaceaug } from '../helpers/cli.js';
import { syntheticVersion, writeSyntheticFer } from '../helpers/synthetic-fer.js';

const TINY = [
  '--ngf', '4', '--blocks', '1', '--sub-blocks', '2', '--ndf', '4', '--d-layers', '2',
  '--batch-size', '2', '--workers', '1', '--epochs', '2', '--decay-epochs', '1', '--steps-per-epoch', '8',
  '--pool-size', '3', '--label-flip', '0.2', '--instance-noise', '0.1', '--noise-epochs', '2', '--jitter', '2,10,0.1', '--checkpoint-every', '5',
  '--snapshot-every', '10', '--ema', '0.8',
  '--backend', 'wasm', '--json',
];
const TOTAL_STEPS = 24;

/** losses.csv without its wall-clock column: what must repeat exactly. */
async function lossRows(runDir: string): Promise<string[]> {
  const lines = (await readFile(join(runDir, 'losses.csv'), 'utf8')).trim().split('\n');
  return lines.map((line) => line.split(',').slice(0, -1).join(','));
}

/**
 * Resolves once `path` exists. The trainer announces no checkpoint on its output, so the event is
 * the file itself: inotify on its directory, and on the directory above until the run's own
 * exists. Each directory is watched before it is looked in, so nothing created in between is missed.
 */
async function appears(path: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  const within = (dir: string, name: string) =>
    new Promise<void>((resolve, reject) => {
      const target = join(dir, name);
      const watcher = watch(dir, () => existsSync(target) && done());
      const timer = setTimeout(() => done(new Error(`${path} did not appear within ${ms} ms`)), deadline - Date.now());
      const done = (error?: Error) => {
        watcher.close();
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      if (existsSync(target)) done();
    });
  await within(dirname(dirname(path)), basename(dirname(path)));
  await within(dirname(path), basename(path));
}

test('a run killed with SIGKILL mid-epoch resumes and repeats the uninterrupted run step for step', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'faceaug-resume-'));
  try {
    const csv = join(dir, 'fer.csv');
    await writeSyntheticFer(csv, { 1: [6, 0], 6: [14, 8] });
    const dataDir = join(dir, 'data');
    const version = await syntheticVersion(dataDir, csv);
    const args = ['train', '--data', version, '--target', 'disgust', '--data-dir', dataDir, ...TINY];

    const whole = faceaug(args);
    assert.equal(whole.status, 0, whole.stderr);
    const wholeResult = JSON.parse(whole.stdout) as { runId: number; runDir: string; steps: number };
    assert.equal(wholeResult.steps, TOTAL_STEPS);

    // Second run: kill it as soon as its first mid-epoch checkpoint (step 5 of 8) is on disk.
    const runsDir = join(dataDir, 'runs');
    const killedRun = String(wholeResult.runId + 1);
    const checkpointed = appears(join(runsDir, killedRun, 'checkpoint.bin'), 120_000);
    const child = spawnFaceaug(args, {}, { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    await checkpointed;
    child.kill('SIGKILL');
    await exited;
    assert.ok((await readdir(join(runsDir, killedRun))).includes('run.json'));
    // What the kill interrupted: without steps left to run, the resume below would prove nothing.
    const { globalStep } = (await loadCheckpoint(join(runsDir, killedRun)))!;
    assert.ok(globalStep > 0 && globalStep < TOTAL_STEPS, `killed at a checkpoint of step ${globalStep} of ${TOTAL_STEPS}`);

    const resumed = faceaug(['train', '--resume', killedRun, '--data-dir', dataDir, '--backend', 'wasm', '--snapshot-every', '10', '--json']);
    assert.equal(resumed.status, 0, resumed.stderr);
    const resumedResult = JSON.parse(resumed.stdout) as { runDir: string; steps: number; modelVersion: number };
    assert.equal(resumedResult.steps, TOTAL_STEPS);
    assert.deepEqual(await lossRows(resumedResult.runDir), await lossRows(wholeResult.runDir), 'resumed losses differ from the uninterrupted run');
    // Generator snapshots every 10 steps and at the end, identical to the uninterrupted run's.
    assert.deepEqual(await snapshotSteps(wholeResult.runDir), [10, 20, 24]);
    assert.deepEqual(await snapshotSteps(resumedResult.runDir), [10, 20, 24]);
    assert.deepEqual(await loadSnapshot(resumedResult.runDir, 24), await loadSnapshot(wholeResult.runDir, 24));
    // --ema: what a run snapshots (and so evaluates and ships) is the average, not the last weights.
    const { weights } = (await loadCheckpoint(resumedResult.runDir))!.state;
    assert.deepEqual(await loadSnapshot(resumedResult.runDir, 24), weights.gABAverage);
    assert.notDeepEqual(weights.gABAverage, weights.gAB);

    const again = faceaug(['train', '--resume', killedRun, '--data-dir', dataDir]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /already finished/);

    const out = join(dir, 'generated');
    const generated = faceaug(['generate', '--run', killedRun, '--count', '5', '--out', out, '--data-dir', dataDir, '--json']);
    assert.equal(generated.status, 0, generated.stderr);
    const manifest = (await readFile(join(out, 'manifest.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { file: string; modelVersion: number; sourceRow: number });
    assert.equal(manifest.length, 5);
    assert.ok(manifest.every((m) => m.modelVersion === resumedResult.modelVersion && m.sourceRow > 0));
    assert.equal((await readdir(out)).filter((f) => f.endsWith('.png')).length, 5);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('train rejects bad input with a clear message and a non-zero exit', async () => {
  const missing = faceaug(['train', '--target', 'disgust', '--data-dir', tmpdir()]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /--data <version> is required/);
  const badExpression = faceaug(['train', '--data', 'x', '--target', 'grumpy']);
  assert.equal(badExpression.status, 1);
  assert.match(badExpression.stderr, /unknown expression 'grumpy'/);
  const badFlag = faceaug(['train', '--data', 'x', '--target', 'disgust', '--lr', '-1']);
  assert.equal(badFlag.status, 1);
  assert.match(badFlag.stderr, /invalid lr '-1'/);
  const badAverage = faceaug(['train', '--data', 'x', '--target', 'disgust', '--ema', '1']);
  assert.equal(badAverage.status, 1);
  assert.match(badAverage.stderr, /invalid ema '1'/);
});
