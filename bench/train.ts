/**
 * npm run bench:train [-- --json] [-- --steps 10 --batches 1,8 --workers 1,2 --no-torch]
 *
 * Times the reference CycleGAN training step (see reference.ts) on the active TensorFlow.js
 * backend, data-parallel over 1 and 2 worker threads, then runs the PyTorch reference right after
 * on the same machine and prints the ratio.
 */
import { parseArgs } from 'node:util';
import { FACE_SIZE } from '../core/image-codec.js';
import { ReplicaGroup } from '../trainer/parallel/replica-group.js';
import type { CycleGanShard } from '../trainer/gan/cyclegan-replica.js';
import { referenceCycleGan } from './reference.js';
import { runTorchReference, TORCH_CYCLEGAN_SCRIPT } from './torch-reference.js';
import { median } from './stats.js';
import { seededImages } from './images.js';

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    steps: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    batches: { type: 'string', default: '1,8' },
    workers: { type: 'string', default: '1,2' },
    'no-torch': { type: 'boolean', default: false },
  },
});
const steps = Number(args.steps);
const warmup = Number(args.warmup);
const log = (line: string) => !args.json && console.log(line);

interface Result {
  bench: 'train';
  backend: string;
  batch: number;
  workers: number;
  msPerStep: number;
  imagesPerSecond: number;
}
const results: Result[] = [];

for (const workers of args.workers.split(',').map(Number)) {
  const group = await ReplicaGroup.start({ program: new URL('../trainer/gan/cyclegan-replica.ts', import.meta.url), config: referenceCycleGan, workers });
  try {
    for (const batch of args.batches.split(',').map(Number)) {
      if (batch % workers !== 0) {
        log(`train batch=${batch} workers=${workers}: skipped (a batch of ${batch} does not split over ${workers} workers)`);
        continue;
      }
      const shard = batch / workers;
      const times: number[] = [];
      for (let i = 0; i < warmup + steps; i++) {
        const shards: CycleGanShard[] = Array.from({ length: workers }, (_, r) => ({
          a: seededImages(shard, 2 * (i * workers + r)),
          b: seededImages(shard, 2 * (i * workers + r) + 1),
          batch: shard,
          size: FACE_SIZE,
          controls: { learningRate: referenceCycleGan.learningRate, noiseSigma: 0, updateMinorityDiscriminator: true, seed: i },
        }));
        const start = performance.now();
        await group.all('step', shards);
        if (i >= warmup) times.push(performance.now() - start);
      }
      const ms = median(times);
      const result: Result = { bench: 'train', backend: group.backend, batch, workers, msPerStep: round(ms), imagesPerSecond: round((batch * 1000) / ms) };
      results.push(result);
      if (args.json) console.log(JSON.stringify(result));
      else log(`train batch=${batch} workers=${workers} backend=${group.backend}: median ${ms.toFixed(0)} ms/step (min ${Math.min(...times).toFixed(0)}, max ${Math.max(...times).toFixed(0)}), ${result.imagesPerSecond} images/s`);
    }
  } finally {
    await group.close();
  }
}

if (!args['no-torch']) {
  const torch = runTorchReference(TORCH_CYCLEGAN_SCRIPT, 2, steps);
  if (typeof torch === 'string') {
    log(`PyTorch reference skipped: ${torch}`);
  } else {
    for (const [batch, ms] of torch.trainMs) {
      const ours = results.filter((r) => r.batch === batch).sort((a, b) => a.msPerStep - b.msPerStep)[0];
      const ratio = ours ? round(ours.msPerStep / ms) : undefined;
      if (args.json) console.log(JSON.stringify({ bench: 'train', reference: `torch ${torch.version}`, batch, threads: 2, msPerStep: ms, ratio }));
      else log(`PyTorch ${torch.version} batch=${batch} (2 threads): ${ms} ms/step; faceaug best/PyTorch = ${ratio ?? 'n/a'}`);
    }
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}
