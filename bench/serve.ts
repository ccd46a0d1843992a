/**
 * npm run bench:serve [-- --json] [-- --requests 40] [-- --photo-requests 10]
 *
 * End-to-end serving throughput and latency: `faceaug serve` in its own process on loopback, with
 * the reference generator (untrained: speed does not depend on the weights) registered through
 * first-start seeding, driven with 48x48 faces at concurrency 1, 8 and 64, and with a 640x480
 * photo holding one face (detection, landmarks, alignment and translation) at concurrency 1 and 8
 * on FACEAUG_DETECTOR_THREADS detector threads (run it with 1 and with the default to compare);
 * beside it, the raw onnxruntime session throughput on the same model, measured in the same run
 * before the server starts.
 */
import { Agent, request } from 'node:http';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { decodePhoto } from '../core/faces/photo.js';
import { FacePipeline } from '../core/faces/pipeline.js';
import { readSetting } from '../core/config.js';
import { FACE_SIZE, ONNX_INPUT, encodeFace, fromUnitRange } from '../core/image-codec.js';
import { exportOnnx } from '../trainer/onnx/export-onnx.js';
import { buildNetwork, readWeights } from '../trainer/networks/network.js';
import { initBackend } from '../trainer/tfjs/backend.js';
import { seededImages } from './images.js';
import { median } from './stats.js';
import { referenceCycleGan } from './reference.js';
import { spawnServer } from './server-process.js';

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    requests: { type: 'string', default: '25' },
    concurrency: { type: 'string', default: '1,8,64' },
    'photo-requests': { type: 'string', default: '10' },
    'photo-concurrency': { type: 'string', default: '1,8' },
  },
});
const MAX_SECONDS_PER_LEVEL = 60;
const RAW_BATCH = readSetting('maxBatch');
/** The server's face detector threads, as it resolves FACEAUG_DETECTOR_THREADS (0: one per core). */
const DETECTOR_THREADS = readSetting('detectorThreads') || availableParallelism();

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

await initBackend('wasm');
const spec = referenceCycleGan.generator;
const onnx = exportOnnx(spec, readWeights(buildNetwork(spec, 0, 'bench')));

/** images/s of the bare session at a batch size, the ceiling the server can approach. */
async function rawImagesPerSecond(batch: number, reps: number): Promise<number> {
  const session = await ort.InferenceSession.create(onnx, { executionMode: 'sequential', graphOptimizationLevel: 'all' });
  const feeds = { [ONNX_INPUT]: new ort.Tensor('float32', seededImages(batch, batch), [batch, 1, FACE_SIZE, FACE_SIZE]) };
  for (let i = 0; i < 3; i++) await session.run(feeds);
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    await session.run(feeds);
    times.push(performance.now() - start);
  }
  await session.release();
  return (batch * 1000) / median(times);
}
const rawSingle = await rawImagesPerSecond(1, 50);
const rawBatch = await rawImagesPerSecond(RAW_BATCH, 15);

const dir = mkdtempSync(join(tmpdir(), 'faceaug-bench-serve-'));
const modelDir = join(dir, 'models', 'neutral-to-disgust');
mkdirSync(modelDir, { recursive: true });
writeFileSync(join(modelDir, 'model.onnx'), onnx);
writeFileSync(join(modelDir, 'model-card.md'), '# benchmark model (untrained reference generator)\n');
writeFileSync(join(modelDir, 'validation.json'), '{}');
writeFileSync(
  join(modelDir, 'manifest.json'),
  JSON.stringify({ source: 'neutral', target: 'disgust', status: 'rejected', verdict: 'untrained, for timing only', metrics: {}, architecture: spec.name, onnxSha256: createHash('sha256').update(onnx).digest('hex') }),
);

const env: NodeJS.ProcessEnv = { ...process.env, FACEAUG_DATA_DIR: join(dir, 'data'), FACEAUG_MODELS_DIR: join(dir, 'models') };
delete env.DATABASE_URL;
const photo = await onePersonPhoto();
const { server, url, key } = await spawnServer(env);

const face = new Uint8Array(await encodeFace(fromUnitRange(seededImages(1, 7)), { format: 'png' }));

/**
 * A 640x480 JPEG with one face: the largest face of face-api's first demo photo with its
 * head-and-shoulders around it, at the size a webcam frame has.
 */
async function onePersonPhoto(): Promise<Uint8Array> {
  const demo = await readFile(join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo', 'sample1.jpg'));
  const pipeline = new FacePipeline({ maxFaces: 1 });
  const [largest] = await pipeline.align(await decodePhoto(demo), 'largest').finally(() => pipeline.close());
  const { box } = largest!;
  const { width, height } = await sharp(demo).metadata();
  const cropWidth = Math.min(width, Math.round(2.4 * box.width));
  const cropHeight = Math.min(height, Math.round((cropWidth * 3) / 4));
  const left = Math.round(Math.min(Math.max(0, box.x + box.width / 2 - cropWidth / 2), width - cropWidth));
  const top = Math.round(Math.min(Math.max(0, box.y + box.height / 2 - cropHeight / 2), height - cropHeight));
  const jpeg = await sharp(demo).extract({ left, top, width: cropWidth, height: cropHeight }).resize(640, 480, { fit: 'cover' }).jpeg({ quality: 90 }).toBuffer();
  return new Uint8Array(jpeg);
}

// The load generator shares this machine's cores with the server, so it is the lightest client
// node has: keep-alive node:http (fetch costs about three times the CPU per request).
const agent = new Agent({ keepAlive: true });
const endpoint = new URL('/v1/translate?target=disgust', url);
function translate(body: Uint8Array, type: string): Promise<{ ms: number; faces: string | undefined }> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const call = request(endpoint, { method: 'POST', agent, headers: { Authorization: `Bearer ${key}`, 'Content-Type': type, 'Content-Length': body.length } }, (response) => {
      response.on('data', () => undefined);
      response.on('end', () =>
        response.statusCode === 200 ? resolve({ ms: performance.now() - start, faces: response.headers['x-faces'] as string | undefined }) : reject(new Error(`translate answered ${response.statusCode}`)),
      );
    });
    call.on('error', reject);
    call.end(body);
  });
}

const INPUTS = {
  face: { label: `${FACE_SIZE}x${FACE_SIZE} face`, body: face, type: 'image/png', requests: Number(args.requests), levels: args.concurrency },
  photo: { label: `640x480 photo, 1 face, ${DETECTOR_THREADS} detector thread(s)`, body: photo, type: 'image/jpeg', requests: Number(args['photo-requests']), levels: args['photo-concurrency'] },
} as const;

try {
  if (!args.json) {
    console.log(`raw onnxruntime session, ${spec.name}: batch 1 ${round(rawSingle)} images/s (${round(1000 / rawSingle, 2)} ms), batch ${RAW_BATCH} ${round(rawBatch)} images/s`);
  }
  // The first photo also starts the server's detector thread: it is a warm-up, not a measurement.
  const first = await translate(photo, 'image/jpeg');
  if (first.faces !== '1') throw new Error(`the server found ${first.faces ?? 'no'} faces in the benchmark photo, expected 1`);
  for (const [input, { label, body, type, requests, levels }] of Object.entries(INPUTS)) {
    for (const concurrency of levels.split(',').map(Number)) {
      await Promise.all(Array.from({ length: concurrency }, () => translate(body, type)));
      const latencies: number[] = [];
      const deadline = performance.now() + MAX_SECONDS_PER_LEVEL * 1000;
      const start = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          for (let i = 0; i < requests && performance.now() < deadline; i++) latencies.push((await translate(body, type)).ms);
        }),
      );
      const seconds = (performance.now() - start) / 1000;
      latencies.sort((a, b) => a - b);
      const result = {
        bench: 'serve',
        model: spec.name,
        input,
        concurrency,
        requests: latencies.length,
        requestsPerSecond: round(latencies.length / seconds),
        imagesPerSecond: round(latencies.length / seconds),
        p50Ms: round(percentile(latencies, 50)),
        p99Ms: round(percentile(latencies, 99)),
        ...(input === 'photo' && { detectorThreads: DETECTOR_THREADS }),
        rawImagesPerSecond: { batch1: round(rawSingle), [`batch${RAW_BATCH}`]: round(rawBatch) },
        ofRawBatch: round(latencies.length / seconds / rawBatch, 2),
      };
      if (args.json) console.log(JSON.stringify(result));
      else {
        console.log(
          `${label}, concurrency ${String(concurrency).padStart(2)}: ${result.requestsPerSecond} requests/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ` +
            `${Math.round(result.ofRawBatch * 100)}% of the raw batch-${RAW_BATCH} session (${result.requests} requests)`,
        );
      }
    }
  }
} finally {
  agent.destroy();
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
}
