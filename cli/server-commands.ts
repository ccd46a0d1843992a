import { type Command, Option } from 'commander';
import { WORKER_QUEUES, type WorkerQueue, readSetting, settings } from '../core/config.js';
import { integer, listOf } from '../core/parsers.js';
import { createLogger } from '../server/log.js';
import { startServer } from '../server/server.js';
import { startWorker } from '../server/worker-process.js';
import { BACKENDS } from '../trainer/tfjs/backend.js';
import { startFoldWorker } from '../trainer/validate/fold-worker.js';

const int = (raw: string) => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`expected a non-negative integer, got '${raw}'`);
  return value;
};

/** Runs until SIGTERM or SIGINT, then shuts down gracefully and exits 0 (a second signal exits at once). */
function untilSignalled(close: () => Promise<void>): void {
  const stop = (signal: NodeJS.Signals) => {
    process.once(signal, () => process.exit(130));
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`faceaug: shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

const databaseOptions = (command: Command) =>
  command
    .addOption(new Option('--database-url <url>', `Postgres connection string (env ${settings.databaseUrl.env}; default: embedded PGlite)`))
    .addOption(new Option('--data-dir <dir>', `embedded database and model cache (env ${settings.dataDir.env})`).default(readSetting('dataDir')));

export function registerServerCommands(program: Command): void {
  databaseOptions(program.command('serve').description('run the HTTP server (translate, bulk jobs, operator API)'))
    .addOption(new Option('--port <port>', `HTTP port, 0 for any free one (env ${settings.port.env})`).argParser(int).default(readSetting('port')))
    .addOption(new Option('--host <host>', `interface to listen on (env ${settings.host.env})`).default(readSetting('host')))
    .addOption(new Option('--models-dir <dir>', `shipped models registered on first start (env ${settings.modelsDir.env})`).default(readSetting('modelsDir')))
    .addOption(new Option('--public-translate', `serve translate and jobs without an API key (env ${settings.publicTranslate.env})`).default(readSetting('publicTranslate')))
    .addOption(new Option('--no-job-worker', `leave bulk jobs to \`faceaug worker\` processes (env ${settings.jobWorker.env})`).default(readSetting('jobWorker')))
    .action(async (options: { port: number; host: string; dataDir: string; modelsDir: string; databaseUrl?: string; publicTranslate: boolean; jobWorker: boolean }) => {
      const server = await startServer({
        databaseUrl: options.databaseUrl,
        settings: {
          port: options.port,
          host: options.host,
          dataDir: options.dataDir,
          modelsDir: options.modelsDir,
          publicTranslate: options.publicTranslate,
          jobWorker: options.jobWorker,
        },
      });
      untilSignalled(server.close);
    });

  databaseOptions(program.command('worker').description('process bulk jobs and validation folds from the database, beside any number of servers and workers'))
    .addOption(new Option('--queues <list>', `what to serve: ${WORKER_QUEUES.join(', ')} (env ${settings.workerQueues.env})`).argParser(listOf('queues', WORKER_QUEUES)).default(readSetting('workerQueues'), readSetting('workerQueues').join(',')))
    .addOption(new Option('--claim-size <n>', `job items claimed at a time (env ${settings.jobClaimSize.env})`).argParser(int).default(readSetting('jobClaimSize')))
    .addOption(new Option('--workers <n>', `folds trained at once, a thread each (env ${settings.workers.env}, default one per core)`).argParser(integer('workers', 1)))
    .addOption(new Option('--backend <name>', `TensorFlow.js backend of the fold threads: ${BACKENDS.join(' | ')} (env ${settings.backend.env})`))
    .addHelpText(
      'after',
      `
Folds come from \`faceaug validate --queue\` through Postgres only (DATABASE_URL); a worker takes the
folds of the data sets it has imported (\`faceaug data import\` of the same file), so every machine
imports the FER2013 file first.`,
    )
    .action(async (options: { dataDir: string; databaseUrl?: string; queues: readonly WorkerQueue[]; claimSize: number; workers?: number; backend?: string }) => {
      const databaseUrl = options.databaseUrl ?? readSetting('databaseUrl');
      const log = createLogger(undefined, { process: 'worker' });
      let queues = options.queues;
      if (queues.includes('folds') && !databaseUrl) {
        const why = 'validation folds queue in Postgres only: the validation and its workers are separate processes, and the embedded database admits one';
        if (queues.length === 1) throw new Error(`${why}; set DATABASE_URL or --database-url`);
        log.warn(`not serving folds: ${why}`);
        queues = queues.filter((queue) => queue !== 'folds');
      }
      const closers: Array<() => Promise<void>> = [];
      const closeAll = async () => void (await Promise.all(closers.map((close) => close())));
      try {
        if (queues.includes('jobs')) {
          closers.push((await startWorker({ databaseUrl: options.databaseUrl, settings: { dataDir: options.dataDir, jobClaimSize: options.claimSize } })).close);
        }
        if (queues.includes('folds')) {
          const settings = { dataDir: options.dataDir, workers: options.workers, backend: options.backend, leaseMs: readSetting('foldLeaseMs'), maxAttempts: readSetting('foldMaxAttempts'), pollMs: readSetting('foldPollMs') };
          closers.push((await startFoldWorker({ databaseUrl, settings, log: createLogger(undefined, { process: 'worker', queue: 'folds' }) })).close);
        }
      } catch (error) {
        await closeAll();
        throw error;
      }
      untilSignalled(closeAll);
    });
}
