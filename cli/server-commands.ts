import { type Command, Option } from 'commander';
import { readSetting, settings } from '../core/config.js';
import { startServer } from '../server/server.js';
import { startWorker } from '../server/worker-process.js';

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

  databaseOptions(program.command('worker').description('process bulk jobs from the database, beside any number of servers and workers'))
    .addOption(new Option('--claim-size <n>', `job items claimed at a time (env ${settings.jobClaimSize.env})`).argParser(int).default(readSetting('jobClaimSize')))
    .action(async (options: { dataDir: string; databaseUrl?: string; claimSize: number }) => {
      const worker = await startWorker({ databaseUrl: options.databaseUrl, settings: { dataDir: options.dataDir, jobClaimSize: options.claimSize } });
      untilSignalled(worker.close);
    });
}
