/**
 * npm run bench:workers -- --database <postgres url> --csv <fer2013.csv[.gz]> [--rows 5000] [--workers 1,2,4]
 *   [--folds 5] [--repeats 2] [--count 100] [--test-per-class 20] [--epochs 2] [--width 0.5] [--json]
 *
 * Fold throughput of `faceaug validate --queue` against the number of `faceaug worker --queues
 * folds` processes (issue 15): in a data dir of its own it imports the first --rows faces of the
 * CSV, drops duplicates and trains a three-step translator (the validation needs a run; its
 * images do not matter here), then per worker count starts that many workers (one classifier at a
 * time each, FACEAUG_WORKERS=1), submits one validation of the small protocol, and times it from
 * submission to its report. Each count validates with its own seed, so no count reuses another's
 * baselines. Prints one JSON line per count, or a table with the speed-up over the first count.
 * Point --database at a scratch database: the tiny run is registered there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { Command } from 'commander';
import { integer, number } from '../core/parsers.js';

const command = new Command()
  .requiredOption('--database <url>', 'Postgres URL that the submitter and the workers share (a scratch database)')
  .requiredOption('--csv <file>', 'FER2013 in the Kaggle layout (.csv or .csv.gz)')
  .option('--rows <n>', 'faces imported from the top of the CSV', integer('rows', 100), 5000)
  .option('--workers <list>', 'worker counts to measure', (raw) => raw.split(',').map(integer('workers', 1)), [1, 2, 4])
  .option('--folds <k>', 'folds per repeat', integer('folds', 2), 5)
  .option('--repeats <n>', 'repeats of the k folds', integer('repeats', 1), 2)
  .option('--count <n>', 'synthetic images of the augmented arms', integer('count', 1), 100)
  .option('--test-per-class <n>', 'fixed test set images per class (the first rows hold ~70 Disgust faces per 5,000)', integer('test-per-class', 1), 20)
  .option('--epochs <n>', 'epochs of each fold classifier', integer('epochs', 1), 2)
  .option('--width <w>', 'width of each fold classifier', number('width', (v) => v > 0), 0.5)
  .option('--json', 'print JSON lines instead of a table');

const TINY_GAN = ['--ngf', '4', '--blocks', '1', '--sub-blocks', '1', '--ndf', '4', '--d-layers', '2', '--batch-size', '2', '--workers', '1', '--epochs', '1', '--decay-epochs', '0', '--steps-per-epoch', '3', '--pool-size', '0'];

/** The first `rows` data lines of a FER2013 CSV, header kept, written to `out`. */
async function headOfCsv(file: string, rows: number, out: string): Promise<void> {
  const input = createReadStream(file);
  const lines: string[] = [];
  for await (const line of createInterface({ input: file.endsWith('.gz') ? input.pipe(createGunzip()) : input })) {
    lines.push(line);
    if (lines.length > rows) break;
  }
  input.destroy();
  await writeFile(out, lines.join('\n') + '\n');
}

function faceaug(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/faceaug.js', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`faceaug ${args[0]} exited with ${code}: ${stderr.trim()}`))));
  });
}

async function main(): Promise<void> {
  const flags = command.parse().opts();
  const dir = await mkdtemp(join(tmpdir(), 'faceaug-bench-workers-'));
  const workers: ChildProcess[] = [];
  const env = { ...process.env, DATABASE_URL: flags.database, FACEAUG_DATA_DIR: join(dir, 'data'), FACEAUG_WORKERS: '1', FACEAUG_FOLD_POLL_MS: '200' };
  try {
    const csv = join(dir, 'fer.csv');
    await headOfCsv(flags.csv, flags.rows, csv);
    const { id } = JSON.parse(await faceaug(['data', 'import', csv, '--json'], env)) as { id: string };
    const [version] = JSON.parse(await faceaug(['data', 'filter', id, '--drop-duplicates', '--json'], env)) as Array<{ id: string }>;
    const { runId } = JSON.parse(await faceaug(['train', '--data', version!.id, '--target', 'disgust', ...TINY_GAN, '--json'], env)) as { runId: number };
    const protocol = ['--count', String(flags.count), '--test-per-class', String(flags.testPerClass), '--repeats', String(flags.repeats), '--folds', String(flags.folds), '--epochs', String(flags.epochs), '--width', String(flags.width), '--no-register', '--json'];
    const folds = flags.folds * flags.repeats;
    const rows: Array<{ workers: number; seconds: number; foldsPerHour: number }> = [];
    for (const [k, count] of flags.workers.entries()) {
      for (let n = 0; n < count; n++) workers.push(spawn(process.execPath, ['bin/faceaug.js', 'worker', '--queues', 'folds'], { env, stdio: 'ignore' }));
      const started = performance.now();
      await faceaug(['validate', '--run', String(runId), '--queue', '--seed', String(100 + k), ...protocol], env);
      const seconds = (performance.now() - started) / 1000;
      for (const worker of workers.splice(0)) worker.kill('SIGTERM');
      const row = { workers: count, seconds: Math.round(seconds * 10) / 10, foldsPerHour: Math.round((folds / seconds) * 3600) };
      rows.push(row);
      if (flags.json) console.log(JSON.stringify({ bench: 'fold-workers', folds, arms: 2 * folds, rows: flags.rows, epochs: flags.epochs, width: flags.width, ...row }));
      else console.error(`${count} worker(s): ${folds} folds in ${row.seconds} s`);
    }
    if (!flags.json) {
      console.log('| workers | folds | seconds | folds per hour | speed-up |');
      console.log('|---|---|---|---|---|');
      for (const r of rows) console.log(`| ${r.workers} | ${folds} | ${r.seconds} | ${r.foldsPerHour} | ${(r.foldsPerHour / rows[0]!.foldsPerHour).toFixed(2)}x |`);
    }
  } finally {
    for (const worker of workers) worker.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(`bench:workers: ${error.message}`);
  process.exit(1);
});
