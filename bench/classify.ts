import { FACE_SIZE } from '../core/image-codec.js';
/**
 * npm run bench:classify [-- --json] [-- --steps 10 --warmup 2 --threads 2 --no-torch]
 *
 * Times one training step of the study's expression classifier (width 1, batch 64, Adam) and
 * its inference (batch 256) on the active TensorFlow.js backend, then runs the same network in
 * PyTorch (bench/torch_classifier_step.py, 2 threads) right after and prints the ratio.
 * `--threads` is what one onnxruntime kernel call may use (default: every core).
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '../trainer/tfjs/tf.js';
import { initBackend, describeBackend } from '../trainer/tfjs/backend.js';
import { buildClassifier } from '../trainer/classifier/cnn.js';
import { logits, trainStep } from '../trainer/classifier/train.js';
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

/** Median wall milliseconds of `body`, and its mean CPU milliseconds (all threads): on a shared machine, wall time also counts waiting for a core. */
function timed(count: number, body: () => void): { ms: number; cpuMs: number } {
  const times: number[] = [];
  let cpu = 0;
  for (let i = 0; i < warmup + count; i++) {
    const start = performance.now();
    const used = process.cpuUsage();
    body();
    if (i < warmup) continue;
    times.push(performance.now() - start);
    const { user, system } = process.cpuUsage(used);
    cpu += (user + system) / 1000;
  }
  return { ms: median(times), cpuMs: cpu / count };
}

const threads = Number(args.threads);
const backend = await initBackend(undefined, { threads });
const net = buildClassifier({ width: 1 }, 1);
const optimizer = tf.train.adam(1e-4);
const x = tf.tensor4d(seededImages(BATCH, 1), [BATCH, FACE_SIZE, FACE_SIZE, 1]);
const y = tf.tensor1d(Int32Array.from({ length: BATCH }, (_, i) => i % NUM_EXPRESSIONS), 'int32');
const weights = tf.tensor1d(Float32Array.from({ length: NUM_EXPRESSIONS }, (_, i) => 0.5 + i / NUM_EXPRESSIONS));
const images = tf.tensor4d(seededImages(INFER_BATCH, 2), [INFER_BATCH, FACE_SIZE, FACE_SIZE, 1]);
const train = timed(steps, () => trainStep(net, optimizer, x, y, weights, 0));
const trainMs = train.ms;
const inferMs = timed(steps, () => tf.tidy(() => tf.softmax(logits(net, images, false)).dataSync())).ms;
tf.dispose([x, y, weights, images]);
optimizer.dispose();
disposeNetwork(net);

const ours = { bench: 'classify', backend: backend.choice, batch: BATCH, threads, msPerStep: round(trainMs), cpuMsPerStep: round(train.cpuMs), imagesPerSecond: round((BATCH * 1000) / trainMs), inferImagesPerSecond: round((INFER_BATCH * 1000) / inferMs) };
if (args.json) console.log(JSON.stringify(ours));
else log(`faceaug ${describeBackend(backend)}, ${threads} threads: train batch=${BATCH} ${ours.msPerStep} ms/step (${ours.cpuMsPerStep} ms of CPU, ${ours.imagesPerSecond} images/s); infer batch=${INFER_BATCH} ${ours.inferImagesPerSecond} images/s`);

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
      ratio: round(trainMs / ms),
    };
    if (args.json) console.log(JSON.stringify(reference));
    else log(`PyTorch ${torch.version} (2 threads): train ${ms} ms/step (${cpuMs} ms of CPU, ${reference.imagesPerSecond} images/s); infer ${reference.inferImagesPerSecond} images/s; faceaug/PyTorch = ${reference.ratio}`);
  }
}
