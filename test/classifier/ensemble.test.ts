import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FACE_PIXELS } from '../../core/image-codec.js';
import { NUM_EXPRESSIONS } from '../../core/expressions.js';
import { initBackend } from '../../trainer/tfjs/backend.js';
import { buildClassifier } from '../../trainer/classifier/cnn.js';
import { disposeNetwork } from '../../trainer/networks/network.js';
import { predictProbabilities, trainClassifier } from '../../trainer/classifier/train.js';
import { disposeEnsemble, ensembleProbabilities, memberSeed, trainEnsemble } from '../../trainer/classifier/ensemble.js';
import { classifierSettings } from '../../trainer/classifier/options.js';
import { assertNoLeak, seededValues } from '../helpers/tensors.js';

const count = 18;
const pixels = Uint8Array.from(seededValues(count * FACE_PIXELS, 11), (v) => (v < 0 ? 0 : 255));
const labels = Uint8Array.from({ length: count }, (_, i) => i % 3);
const indices = Array.from({ length: count }, (_, i) => i);
const settings = (members: number) =>
  classifierSettings({ recipe: 'fast', width: 0.25, epochs: 2, batchSize: 6, testFlip: true, members });

/** One classifier trained alone from `seed`, as before ensembles existed, and its probabilities. */
async function single(seed: number): Promise<Float32Array> {
  const net = buildClassifier(settings(1), seed);
  try {
    await trainClassifier(net, pixels, labels, indices, { ...settings(1), seed, workers: 1 });
    return predictProbabilities(net, pixels, indices, 256, settings(1));
  } finally {
    disposeNetwork(net);
  }
}

async function ensemble(members: number, seed: number): Promise<{ probabilities: Float32Array; epochs: string[] }> {
  const epochs: string[] = [];
  const nets = await trainEnsemble(settings(members), pixels, labels, indices, { seed, workers: 1, onEpoch: (member, epoch) => epochs.push(`${member}:${epoch}`) });
  try {
    return { probabilities: ensembleProbabilities(nets, pixels, indices, settings(members)), epochs };
  } finally {
    disposeEnsemble(nets);
  }
}

test('a one-member ensemble is the single classifier of its seed', async () => {
  await initBackend('wasm');
  const { probabilities, epochs } = await assertNoLeak(() => ensemble(1, 5));
  assert.deepEqual(epochs, ['0:1', '0:2']);
  assert.deepEqual(probabilities, await single(5));
});

test('a two-member ensemble averages its members, the second trained from its own seed', async () => {
  await initBackend('wasm');
  const { probabilities, epochs } = await assertNoLeak(() => ensemble(2, 5));
  assert.deepEqual(epochs, ['0:1', '0:2', '1:1', '1:2']);
  const first = await single(memberSeed(5, 0));
  const second = await single(memberSeed(5, 1));
  assert.notDeepEqual(first, second, 'the members differ');
  for (let k = 0; k < probabilities.length; k++) assert.ok(Math.abs(probabilities[k]! - (first[k]! + second[k]!) / 2) < 1e-6, `probability ${k}`);
  for (let row = 0; row < count; row++) {
    const sum = probabilities.subarray(row * NUM_EXPRESSIONS, (row + 1) * NUM_EXPRESSIONS).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-5, `row ${row} sums to ${sum}`);
  }
});

test('member seeds: the first keeps the ensemble seed, the rest stay clear of fold seeds', () => {
  assert.equal(memberSeed(7, 0), 7);
  assert.equal(memberSeed(7, 1), 1_007);
  assert.equal(memberSeed(7, 2), 2_007);
});
