import type { Server } from 'node:http';
import { type AddressInfo, Server as NetServer } from 'node:net';
import { serve } from '@hono/node-server';
import { FacePipeline } from '../core/faces/pipeline.js';
import { restrictDecoders } from '../core/image-codec.js';
import { readSetting } from '../core/config.js';
import { type DatabaseHandle, openDatabase } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { createApp } from './app.js';
import { InferenceEngine } from './inference/engine.js';
import { JobWorker } from './jobs/worker.js';
import { answerClientError } from './client-error.js';
import { IdleConnections } from './idle-connections.js';

/** Request line and headers come in one packet or a few: a client slower than this is stalled. */
const HEADERS_TIMEOUT_MS = 20_000;

/** A kept-alive connection idle this long at shutdown has no request on its way and is closed. */
const IDLE_AT_SHUTDOWN_MS = 200;
import { type LogSink, createLogger } from './log.js';
import { ServerMetrics } from './metrics.js';
import { type SeedResult, seedOnFirstStart } from './seed.js';
import { type ServerSettings, readServerSettings } from './settings.js';

export interface StartOptions {
  settings?: Partial<ServerSettings>;
  /** Postgres URL; default DATABASE_URL. null forces the embedded PGlite in `dataDir` whatever the environment says. */
  databaseUrl?: string | null;
  /** Where the JSON log lines go (default stdout). */
  log?: LogSink;
  /** Where the human-facing start-up lines go: URL, first-start key, curl example (default stdout). */
  print?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  port: number;
  handle: DatabaseHandle;
  engine: InferenceEngine;
  seeded: SeedResult | undefined;
  /** Stops accepting, lets in-flight requests and the job batch in hand finish (up to the grace period), releases claims, closes. */
  close(): Promise<void>;
}

/**
 * Starts a server: opens the database (PGlite by default, Postgres with DATABASE_URL), applies
 * migrations, seeds an empty registry from the shipped models, loads the champions, starts the
 * in-process job worker and listens.
 */
export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const settings = readServerSettings(options.settings);
  const print = options.print ?? ((line: string) => console.log(line));
  const log = createLogger(options.log);
  restrictDecoders();

  const url = options.databaseUrl === null ? undefined : (options.databaseUrl ?? readSetting('databaseUrl'));
  const handle = await openDatabase(url ? { url } : { dataDir: settings.dataDir });
  const metrics = new ServerMetrics();
  metrics.watchDatabase(handle);
  const engine = new InferenceEngine(handle.db, settings, metrics, log);
  const faces = new FacePipeline({ maxFaces: settings.maxFaces, detectorThreads: settings.detectorThreads });
  let worker: JobWorker | undefined;
  try {
    const migrated = await migrate(handle);
    log.info('database ready', { kind: handle.kind, location: handle.location, migrationsApplied: migrated.applied });
    const seeded = await seedOnFirstStart(handle, settings.modelsDir);
    await engine.start();
    if (settings.jobWorker) {
      worker = new JobWorker(handle.db, engine, faces, settings, metrics, log);
      worker.start();
    }

    let shuttingDown = false;
    const app = createApp({ handle, engine, faces, settings, metrics, log }, () => shuttingDown);
    const server = await new Promise<Server>((resolve, reject) => {
      // A plain node:http server whose clients must send a whole request within receiveTimeoutMs
      // (Node's default holds a stalled upload for 300 s), checked at a tenth of that.
      const serverOptions = {
        requestTimeout: settings.receiveTimeoutMs,
        headersTimeout: Math.min(settings.receiveTimeoutMs, HEADERS_TIMEOUT_MS),
        connectionsCheckingInterval: Math.max(10, Math.min(30_000, settings.receiveTimeoutMs / 10)),
      };
      const listening = serve({ fetch: app.fetch, port: settings.port, hostname: settings.host, serverOptions }, () => resolve(listening as Server));
      listening.once('error', reject);
    });
    server.on('clientError', (error: NodeJS.ErrnoException, socket) => answerClientError(error, socket, log));
    const idle = new IdleConnections(server);
    const port = (server.address() as AddressInfo).port;
    const shownHost = settings.host === '0.0.0.0' || settings.host === '::' ? 'localhost' : settings.host;
    const baseUrl = `http://${shownHost}:${port}`;
    log.info('listening', { url: baseUrl, publicTranslate: settings.publicTranslate, jobWorker: settings.jobWorker });
    printStart(print, baseUrl, handle, seeded, settings);

    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        shuttingDown = true;
        log.info('shutting down', { graceMs: settings.shutdownGraceMs });
        // net.Server's close stops accepting and waits for the connections to end. http.Server's
        // also closes every idle one at once, which resets a request a keep-alive client is
        // writing on it at that moment.
        const drained = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
        // Answers now close their connections (see app.ts); a connection left idle longer than a
        // client's turnaround is closed too, so the process exits as soon as the last answer is out.
        const sweep = setInterval(() => idle.closeIdleFor(IDLE_AT_SHUTDOWN_MS), IDLE_AT_SHUTDOWN_MS / 4);
        idle.closeIdleFor(IDLE_AT_SHUTDOWN_MS);
        const grace = setTimeout(() => server.closeAllConnections(), settings.shutdownGraceMs);
        await Promise.all([drained, worker?.stop()]);
        clearTimeout(grace);
        clearInterval(sweep);
        await engine.close();
        await faces.close();
        await handle.close();
        log.info('stopped');
      })());
    return { url: baseUrl, port, handle, engine, seeded, close };
  } catch (error) {
    await worker?.stop();
    await engine.close();
    await faces.close();
    await handle.close();
    throw error;
  }
}

/** The URL comes last, so it is what a person sees at the bottom of the terminal (and what scripts wait for). */
function printStart(print: (line: string) => void, url: string, handle: DatabaseHandle, seeded: SeedResult | undefined, settings: ServerSettings): void {
  if (seeded) {
    for (const model of seeded.models) {
      print(`registered ${model.translator} v${model.version} as champion (${model.status}${model.forced ? ', forced' : ''}): ${model.verdict}`);
    }
    if (seeded.models.length === 0) print(`no shipped models in ${settings.modelsDir}; register and promote one with \`faceaug models\``);
    print(`admin API key (shown once; only its hash is stored): ${seeded.key}`);
    const target = seeded.models[0]?.translator.split('->')[1] ?? 'disgust';
    print('try it:');
    print(
      `  curl -H "Authorization: Bearer ${seeded.key}" -H "Content-Type: image/png" --data-binary @face.png "${url}/v1/translate?target=${target}" -o ${target}.png`,
    );
  }
  print(`faceaug serving on ${url} (${handle.kind} ${handle.location}); web console at ${url}/, API docs at ${url}/docs`);
}
