import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliEnv } from '../helpers/cli.js';
import { postgresTest } from '../helpers/postgres.js';
import { writeSyntheticFer } from '../helpers/synthetic-fer.js';
import { withTempDir } from '../data/synthetic.js';

const SCRIPT = new URL('../../bench/fold-workers.ts', import.meta.url).pathname;
const ROOT = new URL('../..', import.meta.url).pathname;

function bench(args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, ...args], { cwd: ROOT, encoding: 'utf8', env: cliEnv() });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

postgresTest(
  'bench:workers times one queued validation per worker count',
  (url) =>
    withTempDir(async (dir) => {
      const csv = join(dir, 'fer.csv');
      await writeSyntheticFer(csv, { 0: [30, 4], 1: [24, 4], 2: [30, 4], 3: [30, 4], 4: [30, 4], 5: [30, 4], 6: [40, 4] });
      const protocol = ['--folds', '2', '--repeats', '1', '--count', '4', '--test-per-class', '2', '--epochs', '1', '--width', '0.25'];
      const run = bench(['--database', url, '--csv', csv, '--rows', '1000', '--workers', '1,2', ...protocol, '--json']);
      assert.equal(run.status, 0, run.stderr);
      const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, number>);
      assert.deepEqual(lines.map((l) => [l.workers, l.folds, l.arms]), [[1, 2, 4], [2, 2, 4]]);
      for (const l of lines) assert.ok(l.seconds! > 0 && Math.abs(l.foldsPerHour! - (2 / l.seconds!) * 3600) <= l.foldsPerHour! * 0.03, JSON.stringify(l));
    }),
  { why: 'fold workers in other processes need a Postgres server' },
);

test('bench:workers refuses a call without --database or --csv', () => {
  const run = bench(['--csv', 'fer.csv']);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /required option '--database <url>' not specified/);
});
