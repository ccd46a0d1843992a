import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { cpSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { openDatabase } from '../../db/client.js';
import { foldTaskStates } from '../../db/fold-queue.js';
import type { FoldResult } from '../../trainer/validate/fold-task.js';
import type { ValidationReport } from '../../trainer/validate/report.js';
import { faceaug, spawnFaceaug } from '../helpers/cli.js';
import { postgresTest } from '../helpers/postgres.js';
import { syntheticVersion, writeSyntheticFer } from '../helpers/synthetic-fer.js';

const TINY_GAN = [
  '--ngf', '4', '--blocks', '1', '--sub-blocks', '1', '--ndf', '4', '--d-layers', '2', '--batch-size', '2', '--workers', '1',
  '--epochs', '1', '--decay-epochs', '0', '--steps-per-epoch', '3', '--pool-size', '0', '--backend', 'wasm', '--json',
];
/** A protocol whose arms train in about a second: ~300 images, width 0.25, one epoch. */
const TINY_PROTOCOL = [
  '--count', '6', '--test-per-class', '3', '--repeats', '1', '--folds', '3', '--epochs', '1', '--width', '0.25', '--batch-size', '32',
  '--backend', 'wasm', '--json',
];

type LogLine = Record<string, unknown> & { msg: string };

/** A process's JSON log lines on stdout, and waiting for the next one that matches. */
class LogWatch {
  readonly lines: LogLine[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        this.lines.push(JSON.parse(line) as LogLine);
      } catch {
        return;
      }
      for (const wake of this.waiters) wake();
    });
  }

  /** The first line from index `from` on that matches, and its index, waiting up to `ms` for it. */
  async find(what: string, match: (line: LogLine) => boolean, from = 0, ms = 120_000): Promise<{ line: LogLine; index: number }> {
    const until = Date.now() + ms;
    for (;;) {
      const index = this.lines.findIndex((line, i) => i >= from && match(line));
      if (index >= 0) return { line: this.lines[index]!, index };
      if (Date.now() > until || this.child.exitCode !== null) throw new Error(`no log line: ${what}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, 500);
        this.waiters.add(wake);
      });
    }
  }
}

/** Runs a faceaug command in the background to its end, keeping this process's event loop free for the workers' logs. */
function completion(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const withoutTimes = (fold: FoldResult) => ({ ...fold, baseline: { ...fold.baseline, trainMs: 0 }, augmented: { ...fold.augmented, trainMs: 0 } });

postgresTest(
  'validate --queue: two workers, one SIGKILLed mid-fold; every arm lands once and the figures equal one machine\'s',
  async (url) => {
    const dir = await mkdtemp(join(tmpdir(), 'faceaug-fold-queue-'));
    const workers: ChildProcess[] = [];
    try {
      const csv = join(dir, 'fer.csv');
      // [Training, PublicTest] per label: ~300 images, so an arm trains in about a second.
      await writeSyntheticFer(csv, { 0: [40, 4], 1: [24, 4], 2: [40, 4], 3: [40, 4], 4: [40, 4], 5: [40, 4], 6: [48, 4] });
      const env = { DATABASE_URL: url, FACEAUG_WORKERS: '1', FACEAUG_FOLD_POLL_MS: '100' };
      const submitterDir = join(dir, 'submitter');
      const version = await syntheticVersion(submitterDir, csv, env);
      const trained = faceaug(['train', '--data', version, '--target', 'disgust', '--data-dir', submitterDir, ...TINY_GAN], env);
      assert.equal(trained.status, 0, trained.stderr);
      const { runId } = JSON.parse(trained.stdout) as { runId: number };

      // The same validation on one machine, from a copy of the data dir (the run's files included).
      const singleDir = join(dir, 'single');
      cpSync(submitterDir, singleDir, { recursive: true });
      const single = faceaug(['validate', '--run', String(runId), '--data-dir', singleDir, '--workers', '1', '--no-register', ...TINY_PROTOCOL], env);
      assert.equal(single.status, 0, single.stderr);
      const reference = JSON.parse(single.stdout) as ValidationReport;

      const submitter = spawnFaceaug(['validate', '--run', String(runId), '--queue', '--data-dir', submitterDir, ...TINY_PROTOCOL], env);
      const submitted = completion(submitter);

      // Workers on "other machines": a data dir each, holding only the imported file.
      const workerDirs = ['worker-1', 'worker-2'].map((name) => join(dir, name));
      for (const workerDir of workerDirs) {
        const imported = faceaug(['data', 'import', csv, '--data-dir', workerDir, '--json'], env);
        assert.equal(imported.status, 0, imported.stderr);
      }
      const startWorker = (workerDir: string) => {
        const child = spawnFaceaug(['worker', '--queues', 'folds', '--backend', 'wasm', '--data-dir', workerDir], { ...env, FACEAUG_FOLD_LEASE_MS: '3000' }, { stdio: ['ignore', 'pipe', 'inherit'] });
        workers.push(child);
        return new LogWatch(child);
      };
      const doomed = startWorker(workerDirs[0]!);
      const first = await doomed.find('a first arm trained by worker 1', (line) => line.msg === 'fold task done');
      const survivor = startWorker(workerDirs[1]!);
      // Its thread is warm now: the arm it claims next is killed while it trains.
      const { line: killed } = await doomed.find('worker 1 claiming its next arm', (line) => line.msg === 'fold task claimed', first.index + 1);
      doomed.child.kill('SIGKILL');
      const doomedPid = doomed.child.pid;

      const { code, stdout, stderr } = await submitted;
      assert.equal(code, 0, stderr);
      const report = JSON.parse(stdout) as ValidationReport;
      assert.equal(report.id, reference.id);
      assert.deepEqual([report.folds.total, report.folds.trainedNow, report.folds.leakedTensors], [3, 3, 0]);
      assert.ok(report.registered, report.registration);
      assert.match(stderr, /6 fold classifiers of v-\w+ in the queue \(6 new, 0 failed ones retried\)/);

      // Every arm exactly once; the killed one tried twice, finished by the other worker.
      const handle = await openDatabase({ url });
      try {
        const tasks = await foldTaskStates(handle.db, report.id);
        assert.deepEqual(
          tasks.map((t) => `${t.repeat}-${t.fold}-${t.arm}`).sort(),
          ['0-0-augmented', '0-0-baseline', '0-1-augmented', '0-1-baseline', '0-2-augmented', '0-2-baseline'],
        );
        assert.ok(tasks.every((t) => t.status === 'done'), JSON.stringify(tasks));
        const retried = tasks.find((t) => t.id === killed.task)!;
        assert.equal(retried.attempts, 2, 'the killed arm was claimed again');
        assert.ok(!retried.worker?.endsWith(`:${doomedPid}`), 'and finished by the surviving worker');
        assert.ok(tasks.filter((t) => t.id !== killed.task).every((t) => t.attempts === 1), 'no other arm was trained twice');
      } finally {
        await handle.close();
      }
      await survivor.find('the retried arm done by worker 2', (line) => line.msg === 'fold task done' && line.task === killed.task);
      const stopped = new Promise<number | null>((resolve) => survivor.child.on('exit', resolve));
      survivor.child.kill('SIGTERM');
      assert.equal(await stopped, 0, 'the surviving worker stops cleanly on SIGTERM');

      // The same figures as on one machine: every fold, then everything the verdict is made of.
      const folds = async (dataDir: string) => {
        const folder = join(dataDir, 'validations', report.id, 'folds');
        const files = (await readdir(folder)).sort();
        return Promise.all(files.map(async (file) => withoutTimes(JSON.parse(await readFile(join(folder, file), 'utf8')) as FoldResult)));
      };
      assert.deepEqual(await folds(submitterDir), await folds(singleDir));
      assert.deepEqual(report.sets, reference.sets);
      assert.deepEqual(report.verdict, reference.verdict);
    } finally {
      for (const worker of workers) worker.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  },
  { why: 'fold workers in other processes need a Postgres server' },
);

test('the fold queue without Postgres is refused at once, with the reason and exit 1', () => {
  const validate = faceaug(['validate', '--run', '1', '--queue', '--data-dir', tmpdir()]);
  assert.equal(validate.status, 1);
  assert.match(validate.stderr, /--queue needs a Postgres registry that the workers share \(set DATABASE_URL\)/);
  const refused = faceaug(['worker', '--queues', 'folds', '--data-dir', tmpdir()]);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /validation folds queue in Postgres only/);
  const badQueue = faceaug(['worker', '--queues', 'jobs,sums']);
  assert.equal(badQueue.status, 1);
  assert.match(badQueue.stderr, /invalid queues 'sums'/);
});
