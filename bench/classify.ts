/**
 * npm run bench:classify [-- --json] [-- --steps 10 --warmup 2 --workers 1,2 --threads 2 --no-torch]
 *
 * Times one training step of the study's expression classifier (width 1, batch 64, Adam) the way
 * trainClassifier runs it, on this thread (workers 1) and over data-parallel replicas on worker
 * threads (default: 1 and trainClassifier's default count), and its inference (batch 256, on this
 * thread) on the active TensorFlow.js backend, then runs the same network in PyTorch
 * (bench/torch_classifier_step.py, 2 threads) right after and prints the ratio to the default path.
 * `--threads` is what one onnxruntime kernel call on this thread may use (default: every core);
 * each replica gets its share of the cores.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '../trainer/tfjs/tf.js';
import { FACE_SIZE } from '../core/image-codec.js';
import { initBackend, describeBackend } from '../trainer/tfjs/backend.js';
import { buildClassifier } from '../trainer/classifier/cnn.js';
import { classifierWorkers, logits, startClassifierTrainer, type ClassifierBatch } from '../trainer/classifier/train.js';
import { threadsPerWorker } from '../trainer/parallel/worker-count.js';
import { disposeNetwork } from '../trainer/networks/network.js';
import { NUM_EXPRESSIONS } from '../core/expressions.js';
import { runTorchReference, TORCH_CLASSIFIER_SCRIPT } from './torch-reference.js';
import { median } from './stats.js';
import { seededImages } from './images.js';

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    steps: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    workers: { type: 'string' },
    threads: { type: 'string', default: String(availableParallelism()) },
    'no-torch': { type: 'boolean', default: false },
  },
});
const steps = Number(args.steps);
const warmup = Number(args.warmup);
const BATCH = 64;
const INFER_BATCH = 256;
const log = (line: string) => !args.json && console.log(line);
const round = (x: number) => Math.round(x * 100) / 100;

/** Median wall milliseconds of `body`, and its mean CPU milliseconds (all threads, workers included): on a shared machine, wall time also counts waiting for a core. */
async function timed(count: number, body: () => unknown): Promise<{ ms: number; cpuMs: number }> {
  const times: number[] = [];
  let cpu = 0;
  for (let i = 0; i < warmup + count; i++) {
    const start = performance.now();
    const used = process.cpuUsage();
    await body();
    if (i < warmup) continue;
    times.push(performance.now() - start);
    const { user, system } = process.cpuUsage(used);
    cpu += (user + system) / 1000;
  }
  return { ms: median(times), cpuMs: cpu / count };
}

const threads = Number(args.threads);
const backend = await initBackend(undefined, { threads });
const defaultWorkers = await classifierWorkers();
const workerCounts = (args.workers ?? [...new Set([1, defaultWorkers])].join(',')).split(',').map(Number);
const net = buildClassifier({ architecture: 'study', width: 1, dropout: 0 }, 1);
const batch: ClassifierBatch = {
  images: seededImages(BATCH, 1),
  labels: Int32Array.from({ length: BATCH }, (_, i) => i % NUM_EXPRESSIONS),
  learningRate: 1e-4,
  seed: 1,
};
const settings = { learningRate: 1e-4, classWeights: Float32Array.from({ length: NUM_EXPRESSIONS }, (_, i) => 0.5 + i / NUM_EXPRESSIONS), labelSmoothing: 0 };
const images = tf.tensor4d(seededImages(INFER_BATCH, 2), [INFER_BATCH, FACE_SIZE, FACE_SIZE, 1]);
const inferMs = (await timed(steps, () => tf.tidy(() => tf.softmax(logits(net, images, { training: false })).dataSync()))).ms;
images.dispose();

interface Line {
  bench: 'classify';
  backend: string;
  batch: number;
  workers: number;
  /** Threads one onnxruntime kernel call may use, per replica. */
  threads: number;
  msPerStep: number;
  cpuMsPerStep: number;
  imagesPerSecond: number;
  /** Inference runs on this thread whatever the replica count. */
  inferImagesPerSecond: number;
}
const lines: Line[] = [];
for (const workers of workerCounts) {
  const trainer = await startClassifierTrainer(net, settings, workers);
  let train: { ms: number; cpuMs: number };
  try {
    train = await timed(steps, () => trainer.step(batch));
  } finally {
    await trainer.close();
  }
  const line: Line = {
    bench: 'classify',
    backend: backend.choice,
    batch: BATCH,
    workers,
    threads: workers === 1 ? threads : threadsPerWorker(workers),
    msPerStep: round(train.ms),
    cpuMsPerStep: round(train.cpuMs),
    imagesPerSecond: round((BATCH * 1000) / train.ms),
    inferImagesPerSecond: round((INFER_BATCH * 1000) / inferMs),
  };
  lines.push(line);
  if (args.json) console.log(JSON.stringify(line));
  else log(`faceaug ${describeBackend(backend)}, ${workers} worker(s) x ${line.threads} thread(s): train batch=${BATCH} ${line.msPerStep} ms/step (${line.cpuMsPerStep} ms of CPU, ${line.imagesPerSecond} images/s); infer batch=${INFER_BATCH} ${line.inferImagesPerSecond} images/s`);
}
disposeNetwork(net);
// The ratio is the default path's: what trainClassifier uses when not told otherwise.
const ours = lines.find((l) => l.workers === defaultWorkers) ?? lines[0]!;

if (!args['no-torch']) {
  const torch = runTorchReference(TORCH_CLASSIFIER_SCRIPT, 2, steps);
  const ms = typeof torch === 'string' ? undefined : torch.trainMs.get(BATCH);
  const cpuMs = typeof torch === 'string' ? undefined : torch.trainCpuMs.get(BATCH);
  const infer = typeof torch === 'string' ? undefined : torch.inferMs.get(INFER_BATCH);
  if (typeof torch === 'string' || ms === undefined || infer === undefined) {
    log(`PyTorch reference skipped: ${typeof torch === 'string' ? torch : 'no figures in its output'}`);
  } else {
    const reference = {
      bench: 'classify',
      reference: `torch ${torch.version}`,
      batch: BATCH,
      threads: 2,
      msPerStep: ms,
      cpuMsPerStep: cpuMs,
      imagesPerSecond: round((BATCH * 1000) / ms),
      inferImagesPerSecond: round((INFER_BATCH * 1000) / infer),
      ratio: round(ours.msPerStep / ms),
      ratioWorkers: ours.workers,
    };
    if (args.json) console.log(JSON.stringify(reference));
    else log(`PyTorch ${torch.version} (2 threads): train ${ms} ms/step (${cpuMs} ms of CPU, ${reference.imagesPerSecond} images/s); infer ${reference.inferImagesPerSecond} images/s; faceaug (${ours.workers} worker(s))/PyTorch = ${reference.ratio}`);
  }
}
