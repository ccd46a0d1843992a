import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, after, test } from 'node:test';
import sharp from 'sharp';
import { generator } from '../../core/networks/generators.js';
import { FACE_SIZE } from '../../core/image-codec.js';
import { createApiKey } from '../../db/api-keys.js';
import { openDatabase } from '../../db/client.js';
import { migrate } from '../../db/migrate.js';
import type { Database } from '../../db/client.js';
import { type ModelVersion, promote, registerModelVersion } from '../../db/registry.js';
import type { Translator } from '../../db/translators.js';
import { type RunningServer, startServer } from '../../server/server.js';
import type { ServerSettings } from '../../server/settings.js';
import { exportOnnx } from '../../trainer/onnx/export-onnx.js';
import { buildNetwork, readWeights } from '../../trainer/networks/network.js';
import { initBackend } from '../../trainer/tfjs/backend.js';
import { postgresTest } from '../helpers/postgres.js';

export const NEUTRAL_DISGUST: Translator = { source: 'neutral', target: 'disgust' };
export const NEUTRAL_SURPRISE: Translator = { source: 'neutral', target: 'surprise' };

const generators = new Map<number, Uint8Array>();

/**
 * A small untrained CycleGAN generator (ResNet body, one block, ngf 4) exported to ONNX by the
 * trainer's exporter: the same path a trained translator takes into the registry. Distinct seeds
 * give distinct weights, so tests can tell which version answered.
 */
export async function onnxGenerator(seed: number): Promise<Uint8Array> {
  let bytes = generators.get(seed);
  if (!bytes) {
    await initBackend('wasm');
    const spec = generator({ ngf: 4, blocks: 1, body: 'resnet', norm: 'instance' });
    bytes = exportOnnx(spec, readWeights(buildNetwork(spec, seed, `test${seed}`)));
    generators.set(seed, bytes);
  }
  return bytes;
}

export async function registerGenerator(db: Database, translator: Translator, seed: number, status: 'accepted' | 'rejected' = 'accepted'): Promise<ModelVersion> {
  return registerModelVersion(db, { ...translator, status, artifacts: [{ kind: 'onnx', bytes: await onnxGenerator(seed) }] });
}

/** Registers a generator and makes it champion over `expected` (null: the first). */
export async function registerChampion(db: Database, translator: Translator, seed: number, expected: number | null = null): Promise<ModelVersion> {
  const version = await registerGenerator(db, translator, seed);
  await promote(db, { ...version, expectedVersion: expected, actor: 'test' });
  return version;
}

/**
 * A face-sized test image: a seeded smooth pattern, as PNG (or another format), `side` pixels
 * square, RGB. At the default 48x48 the server takes it as an aligned face and runs no detector.
 */
export async function faceImage(seed: number, options: { side?: number; format?: 'png' | 'jpeg' | 'webp' } = {}): Promise<Buffer> {
  const side = options.side ?? FACE_SIZE;
  const pixels = Buffer.alloc(side * side * 3);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const v = 128 + 100 * Math.sin((x + seed * 7) / 6) * Math.cos((y - seed * 3) / 9);
      pixels.fill(Math.round(v), (y * side + x) * 3, (y * side + x) * 3 + 3);
    }
  }
  const image = sharp(pixels, { raw: { width: side, height: side, channels: 3 } });
  return options.format === 'jpeg' ? image.jpeg().toBuffer() : options.format === 'webp' ? image.webp().toBuffer() : image.png().toBuffer();
}

export interface TestServer {
  server: RunningServer;
  url: string;
  db: Database;
  /** admin + translate, from first-start seeding. */
  adminKey: string;
  /** translate only. */
  translateKey: string;
  logs: Array<Record<string, unknown>>;
  dataDir: string;
  databaseUrl: string | null;
  /** Starts another server on the same database and data dir (a restart, or a second instance). */
  restart(settings?: Partial<ServerSettings>): Promise<RunningServer>;
}

const QUIET: Partial<ServerSettings> = { port: 0, host: '127.0.0.1', championPollMs: 200, jobPollMs: 50 };

/**
 * Starts a real server on a free port, on `databaseUrl` (a throwaway Postgres database from
 * `postgresTest`) or, when null, on a fresh PGlite; `body` gets it, and it is closed afterwards.
 */
export async function withServer(databaseUrl: string | null, settings: Partial<ServerSettings>, body: (ts: TestServer) => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'faceaug-server-test-'));
  const modelsDir = join(dataDir, 'no-shipped-models');
  const run = async (databaseUrl: string | null) => {
    const logs: Array<Record<string, unknown>> = [];
    const start = (extra: Partial<ServerSettings> = {}) =>
      startServer({ databaseUrl, settings: { ...QUIET, dataDir, modelsDir, ...settings, ...extra }, log: (line) => logs.push(JSON.parse(line)), print: () => undefined });
    const server = await start();
    const extra: RunningServer[] = [];
    try {
      const { plaintext } = await createApiKey(server.handle.db, { name: 'translate only', scopes: ['translate'] });
      await body({
        server,
        url: server.url,
        db: server.handle.db,
        adminKey: server.seeded!.key,
        translateKey: plaintext,
        logs,
        dataDir,
        databaseUrl,
        restart: async (more) => {
          const next = await start(more);
          extra.push(next);
          return next;
        },
      });
    } finally {
      await server.close();
      for (const other of extra) await other.close();
    }
  };
  try {
    if (databaseUrl === null) cpSync(await migratedPglite(), join(dataDir, 'pglite'), { recursive: true });
    await run(databaseUrl);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The test on PGlite, and again on a fresh Postgres database when TEST_DATABASE_URL is set (else skipped with the reason). */
export function serverTest(name: string, settings: Partial<ServerSettings>, body: (ts: TestServer, t: TestContext) => Promise<void>): void {
  test(`${name} [pglite]`, (t) => withServer(null, settings, (ts) => body(ts, t)));
  postgresTest(name, (url, t) => withServer(url, settings, (ts) => body(ts, t)));
}

const templateDir = mkdtempSync(join(tmpdir(), 'faceaug-server-template-'));
after(() => rmSync(templateDir, { recursive: true, force: true }));
let template: Promise<string> | undefined;

// initdb and migrations take PGlite seconds; each test file pays them once and copies the result.
function migratedPglite(): Promise<string> {
  template ??= (async () => {
    const dir = templateDir;
    const handle = await openDatabase({ dataDir: dir });
    await migrate(handle);
    await handle.close();
    return join(dir, 'pglite');
  })();
  return template;
}

/** The value of one sample in a Prometheus text exposition (labels exactly as written), or undefined when it has none. */
export function sample(exposition: string, series: string): number | undefined {
  const line = exposition.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

export const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

/** Polls `check` until it returns a value (not undefined), or fails after `ms`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
