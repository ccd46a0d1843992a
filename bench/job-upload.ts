/**
 * npm run bench:jobs [-- --mb 60,250] [-- --concurrent 4] [-- --postgres postgres://...] [-- --json]
 *
 * What one bulk job submission costs the server: `faceaug serve` in its own process (job worker
 * off, so only the submission is measured) gets a zip of 48x48 RGB PNGs (stored, ~7 KB each)
 * while this process asks `/health/live` every 10 ms. Reported per upload size: the longest gap
 * between two liveness answers (how long the event loop was blocked, at worst), the time to the
 * 202, and the server's resident memory before the upload and at its peak during it (VmHWM,
 * reset before the upload: Linux only).
 * Every size gets a fresh server and database: PGlite in a temporary directory, or with
 * --postgres a throwaway database created next to the given one and dropped afterwards.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { zipSync } from 'fflate';
import pg from 'pg';
import sharp from 'sharp';
import { generator } from '../core/networks/generators.js';
import { exportOnnx } from '../trainer/onnx/export-onnx.js';
import { buildNetwork, readWeights } from '../trainer/networks/network.js';
import { initBackend } from '../trainer/tfjs/backend.js';
import { spawnServer } from './server-process.js';

const { values: args } = parseArgs({
  options: {
    mb: { type: 'string', default: '60,250' },
    concurrent: { type: 'string', default: '1' },
    postgres: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const CONCURRENT = Number(args.concurrent);
const PROBE_INTERVAL_MS = 10;
const DISTINCT_IMAGES = 512;
const MiB = 1 << 20;

const round = (value: number, digits = 0) => Math.round(value * 10 ** digits) / 10 ** digits;

// Speed does not matter here (no job is processed), only that the target has a champion.
await initBackend('wasm');
const spec = generator({ ngf: 4, blocks: 1, body: 'resnet', norm: 'instance' });
const onnx = exportOnnx(spec, readWeights(buildNetwork(spec, 0, 'bench')));

// Noise does not compress, so the stored zip is as large as its images.
const images = await Promise.all(
  Array.from({ length: DISTINCT_IMAGES }, (_, i) => sharp(randomBytes(48 * 48 * 3), { raw: { width: 48, height: 48, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer().then((png) => [i, png] as const)),
);
function zipOf(bytes: number): { zip: Buffer; count: number } {
  const files: Record<string, Uint8Array> = {};
  let total = 0;
  let count = 0;
  while (total < bytes) {
    const image = images[count % DISTINCT_IMAGES]![1];
    files[`faces/${String(count).padStart(6, '0')}.png`] = image;
    total += image.length;
    count++;
  }
  return { zip: Buffer.from(zipSync(files, { level: 0 })), count };
}

/** A fresh database for one server: a throwaway Postgres database, or nothing (PGlite in the data dir). */
async function freshDatabase(): Promise<{ url: string | undefined; drop(): Promise<void> }> {
  if (!args.postgres) return { url: undefined, drop: async () => undefined };
  const name = `faceaug_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: args.postgres });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(args.postgres);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

function memoryKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? NaN);
}

interface Answer {
  status: number;
  body: string;
}

function send(agent: Agent, url: URL, init: { method: string; headers?: Record<string, string | number>; body?: Buffer }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const call = request(url, { method: init.method, agent, headers: init.headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    call.on('error', reject);
    call.end(init.body);
  });
}

async function measure(megabytes: number) {
  const { zip, count } = zipOf(megabytes * MiB);
  const dir = mkdtempSync(join(tmpdir(), 'faceaug-bench-jobs-'));
  const modelDir = join(dir, 'models', 'neutral-to-disgust');
  mkdirSync(modelDir, { recursive: true });
  writeFileSync(join(modelDir, 'model.onnx'), onnx);
  writeFileSync(join(modelDir, 'model-card.md'), '# benchmark model (untrained)\n');
  writeFileSync(join(modelDir, 'validation.json'), '{}');
  writeFileSync(
    join(modelDir, 'manifest.json'),
    JSON.stringify({ source: 'neutral', target: 'disgust', status: 'rejected', verdict: 'untrained, for timing only', metrics: {}, architecture: spec.name, onnxSha256: createHash('sha256').update(onnx).digest('hex') }),
  );
  const database = await freshDatabase();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FACEAUG_DATA_DIR: join(dir, 'data'),
    FACEAUG_MODELS_DIR: join(dir, 'models'),
    // Limits out of the way: 250 MiB of small images is past the default image count, and a
    // revision that stores an upload in one query needs minutes for it.
    FACEAUG_MAX_JOB_IMAGES: '1000000',
    FACEAUG_MAX_JOB_ITEMS: '1000000',
    FACEAUG_MAX_JOB_ITEMS_PER_KEY: '10000000',
    FACEAUG_MAX_JOB_BYTES: String(2 * megabytes * MiB),
    FACEAUG_DATABASE_QUERY_TIMEOUT_MS: '600000',
    FACEAUG_RECEIVE_TIMEOUT_MS: '600000',
  };
  delete env.DATABASE_URL;
  if (database.url) env.DATABASE_URL = database.url;
  const { server, url, key } = await spawnServer(env, ['--no-job-worker']);
  try {
    // A new connection per probe: a kept-alive one can be closed by the server's keep-alive timer
    // just as the next probe goes out on it after a long block (ECONNRESET).
    const probeAgent = new Agent({ keepAlive: false });
    const live = new URL('/health/live', url);
    const upload = (agent: Agent, body: Buffer) =>
      send(agent, new URL('/v1/jobs?targets=disgust', url), {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/zip', 'Content-Length': body.length },
        body,
      });
    // A small job first, then a pause: start-up leaves garbage that the first requests' GC frees
    // (a few hundred MiB on PGlite), which would otherwise hide the upload's own growth.
    await upload(probeAgent, zipOf(8 * MiB).zip);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const rssBefore = memoryKiB(server.pid!, 'VmRSS');
    // Start-up (migrations, model loading) has its own peak; 5 resets VmHWM to the current RSS.
    writeFileSync(`/proc/${server.pid}/clear_refs`, '5');
    let probing = true;
    let maxGap = 0;
    let probes = 0;
    const prober = (async () => {
      let last = performance.now();
      while (probing) {
        await send(probeAgent, live, { method: 'GET' });
        const now = performance.now();
        maxGap = Math.max(maxGap, now - last);
        last = now;
        probes++;
        await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS));
      }
    })();
    const started = performance.now();
    const uploadAgent = new Agent({ keepAlive: false });
    const answers = await Promise.all(Array.from({ length: CONCURRENT }, () => upload(uploadAgent, zip)));
    const uploadSeconds = (performance.now() - started) / 1000;
    probing = false;
    await prober;
    probeAgent.destroy();
    const rssPeak = memoryKiB(server.pid!, 'VmHWM');
    return {
      bench: 'job-upload',
      database: database.url ? 'postgres' : 'pglite',
      uploadMiB: round(zip.length / MiB, 1),
      images: count,
      concurrent: CONCURRENT,
      statuses: answers.map((a) => a.status),
      uploadSeconds: round(uploadSeconds, 1),
      maxLivenessGapMs: round(maxGap),
      probes,
      rssBeforeMiB: round(rssBefore / 1024),
      rssPeakMiB: round(rssPeak / 1024),
      ...(answers.some((a) => a.status !== 202) ? { firstRefusal: answers.find((a) => a.status !== 202)!.body.slice(0, 300) } : {}),
    };
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const megabytes of args.mb.split(',').map(Number)) {
  const result = await measure(megabytes);
  if (args.json) console.log(JSON.stringify(result));
  else {
    console.log(
      `${result.database}, ${result.concurrent} x ${result.uploadMiB} MiB (${result.images} images): answered ${result.statuses.join(',')} after ${result.uploadSeconds} s, ` +
        `longest /health/live gap ${result.maxLivenessGapMs} ms (${result.probes} probes), RSS ${result.rssBeforeMiB} MiB before, ${result.rssPeakMiB} MiB at peak` +
        (result.firstRefusal ? `; refused: ${result.firstRefusal}` : ''),
    );
  }
}
