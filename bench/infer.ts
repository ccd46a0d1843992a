/**
 * npm run bench:infer [-- --json] [-- --reps 20 --batches 1,32 --no-torch]
 *
 * Times one forward pass of the reference generator (see reference.ts) on the active
 * TensorFlow.js backend, then the PyTorch reference's inference figures from the same machine.
 */
import { parseArgs } from 'node:util';
import { FACE_SIZE } from '../core/image-codec.js';
import * as tf from '../trainer/tfjs/tf.js';
import { initBackend } from '../trainer/tfjs/backend.js';
import { buildNetwork, forward } from '../trainer/networks/network.js';
import { referenceCycleGan } from './reference.js';
import { runTorchReference, TORCH_CYCLEGAN_SCRIPT } from './torch-reference.js';
import { median } from './stats.js';
import { seededImages } from './images.js';

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    reps: { type: 'string', default: '20' },
    batches: { type: 'string', default: '1,32' },
    'no-torch': { type: 'boolean', default: false },
  },
});
const backend = await initBackend();
const net = buildNetwork(referenceCycleGan.generator, 0, 'bench');
const results = new Map<number, number>();

for (const batch of args.batches.split(',').map(Number)) {
  const x = tf.tensor4d(seededImages(batch, batch), [batch, FACE_SIZE, FACE_SIZE, 1]);
  const run = () => tf.tidy(() => forward(net, x, { training: false }).dataSync());
  for (let i = 0; i < 3; i++) run();
  const times: number[] = [];
  for (let i = 0; i < Number(args.reps); i++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  x.dispose();
  const ms = median(times);
  results.set(batch, ms);
  const imagesPerSecond = Math.round(((batch * 1000) / ms) * 10) / 10;
  if (args.json) console.log(JSON.stringify({ bench: 'infer', backend: backend.choice, batch, msPerBatch: Math.round(ms * 100) / 100, imagesPerSecond }));
  else console.log(`infer batch=${batch} backend=${backend.choice}: median ${ms.toFixed(1)} ms, ${imagesPerSecond} images/s`);
}

if (!args['no-torch']) {
  const torch = runTorchReference(TORCH_CYCLEGAN_SCRIPT, 2, 3);
  if (typeof torch === 'string') {
    if (!args.json) console.log(`PyTorch reference skipped: ${torch}`);
  } else {
    for (const [batch, ms] of torch.inferMs) {
      const ratio = results.has(batch) ? Math.round((results.get(batch)! / ms) * 100) / 100 : undefined;
      if (args.json) console.log(JSON.stringify({ bench: 'infer', reference: `torch ${torch.version}`, batch, threads: 2, msPerBatch: ms, ratio }));
      else console.log(`PyTorch ${torch.version} batch=${batch} (2 threads): ${ms} ms; faceaug/PyTorch = ${ratio ?? 'n/a'}`);
    }
  }
}
