import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReplicaGroup } from '../../trainer/parallel/replica-group.js';
import type { CycleGanShard } from '../../trainer/gan/cyclegan-replica.js';
import { tinyCycleGan } from '../helpers/tiny-gan.js';
import { relativeError, seededValues } from '../helpers/tensors.js';

const PROGRAM = new URL('../../trainer/gan/cyclegan-replica.ts', import.meta.url);
const SIZE = 16;
// Pool and flips draw per-replica randomness; off here so one worker can be the reference.
const config = tinyCycleGan({ learningRate: 2e-3, minorityLabelSmoothing: 0.1, seed: 7 });

function batch(step: number, count: number) {
  const pixels = SIZE * SIZE;
  return { a: seededValues(count * pixels, 10 * step), b: seededValues(count * pixels, 10 * step + 1) };
}

function shard(values: { a: Float32Array; b: Float32Array }, from: number, count: number): CycleGanShard {
  const pixels = SIZE * SIZE;
  return {
    a: values.a.slice(from * pixels, (from + count) * pixels),
    b: values.b.slice(from * pixels, (from + count) * pixels),
    batch: count,
    size: SIZE,
    // Instance noise is drawn per replica too, so the reference comparison runs without it.
    controls: { learningRate: config.learningRate, noiseSigma: 0, updateMinorityDiscriminator: true, seed: from },
  };
}

test('data-parallel replicas apply identical averaged gradients', async () => {
  const steps = 3;
  const pair = await ReplicaGroup.start({ program: PROGRAM, config, workers: 2, backend: 'wasm' });
  const single = await ReplicaGroup.start({ program: PROGRAM, config, workers: 1, backend: 'wasm' });
  try {
    let tensorsAfterFirstStep: number[] = [];
    for (let step = 0; step < steps; step++) {
      const values = batch(step, 4);
      await pair.all('step', [shard(values, 0, 2), shard(values, 2, 2)]);
      await single.all('step', [shard(values, 0, 4)]);
      // Adam creates its moment variables on the first step; after that nothing may accumulate.
      if (step === 0) tensorsAfterFirstStep = await pair.all<number>('numTensors', [undefined, undefined]);
    }
    const [first, second] = await pair.all<Float32Array>('weights', [undefined, undefined]);
    assert.equal(first!.length, second!.length);
    assert.ok(first!.every((v, i) => Object.is(v, second![i])), 'replica weights diverged');
    // Two shards of 2 average to the gradient of the batch of 4, up to float summation order.
    const [reference] = await single.all<Float32Array>('weights', [undefined]);
    assert.ok(relativeError(first!, reference!) < 1e-3, 'data-parallel training differs from one worker on the whole batch');
    assert.deepEqual(await pair.all<number>('numTensors', [undefined, undefined]), tensorsAfterFirstStep, 'a step leaked tensors');
  } finally {
    await Promise.all([pair.close(), single.close()]);
  }
});

test('replicas stay identical with per-replica pools, label flips, DiffAugment and a resting discriminator', async () => {
  const group = await ReplicaGroup.start({
    program: PROGRAM,
    config: { ...config, poolSize: 3, minorityLabelFlip: 0.3, adversarial: 'wgan-gp', criticSteps: 2, augment: ['color', 'translation', 'cutout'] },
    workers: 2,
    backend: 'wasm',
  });
  try {
    for (let step = 0; step < 3; step++) {
      const values = batch(step, 4);
      const [left, right] = [shard(values, 0, 2), shard(values, 2, 2)];
      const controls = { learningRate: 1e-3, noiseSigma: 0.1, updateMinorityDiscriminator: step !== 1, seed: step };
      await group.all('step', [{ ...left, controls }, { ...right, controls }]);
    }
    const [first, second] = await group.all<Float32Array>('weights', [undefined, undefined]);
    assert.ok(first!.every((v, i) => Object.is(v, second![i])), 'replica weights diverged');
  } finally {
    await group.close();
  }
});

test('a failing replica fails the call instead of hanging the group', async () => {
  const group = await ReplicaGroup.start({ program: PROGRAM, config, workers: 2, backend: 'wasm' });
  try {
    const good = shard(batch(0, 2), 0, 1);
    const bad = { ...good, batch: 3 };
    await assert.rejects(group.all('step', [good, bad]));
  } finally {
    await group.close();
  }
});
