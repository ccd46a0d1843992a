import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '../../trainer/tfjs/tf.js';
import { initBackend } from '../../trainer/tfjs/backend.js';
import { CycleGan, translatorWeights, type CycleGanState } from '../../trainer/gan/cyclegan.js';
import { updateAverage } from '../../trainer/gan/generator-average.js';
import { buildNetwork, disposeNetwork, loadWeights, readWeights } from '../../trainer/networks/network.js';
import { loadCheckpoint, saveCheckpoint } from '../../trainer/gan/checkpoint.js';
import { decodePortable, encodePortable } from '../../trainer/gan/portable-checkpoint.js';
import { PRESETS } from '../../trainer/gan/options.js';
import type { NamedWeights } from '../../core/networks/weights.js';
import { tinyCycleGan } from '../helpers/tiny-gan.js';
import { assertNoLeak, seededValues } from '../helpers/tensors.js';

const context = { rank: 0, size: 1, allReduceMean: (v: Float32Array) => v };
const controls = (seed: number) => ({ learningRate: 1e-2, noiseSigma: 0, updateMinorityDiscriminator: true, seed });

/** Runs `steps` seeded steps of `gan` on fixed images. */
function train(gan: CycleGan, steps: number[]): void {
  const a = tf.tensor4d(seededValues(2 * 256, 1), [2, 16, 16, 1]);
  const b = tf.tensor4d(seededValues(2 * 256, 2), [2, 16, 16, 1]);
  for (const seed of steps) gan.step(a, b, controls(seed), context);
  tf.dispose([a, b]);
}

function assertWeightsEqual(actual: NamedWeights, expected: NamedWeights, tolerance = 0) {
  assert.deepEqual([...actual.keys()], [...expected.keys()]);
  for (const [key, { values }] of expected) {
    const got = actual.get(key)!.values;
    const worst = got.reduce((m, v, i) => Math.max(m, Math.abs(v - values[i]!)), 0);
    assert.ok(worst <= tolerance, `${key}: off by ${worst}`);
  }
}

test('updateAverage moves each weight by (1 - decay) of its distance to the current one', async () => {
  await initBackend('wasm');
  await assertNoLeak(() => {
    const spec = tinyCycleGan().generator;
    const average = buildNetwork(spec, 1, 'average');
    const current = buildNetwork(spec, 2, 'current');
    try {
      const before = readWeights(average);
      const now = readWeights(current);
      updateAverage(average, current, 0.75);
      const expected: NamedWeights = new Map(
        [...before].map(([key, { shape, values }]) => [key, { shape, values: values.map((v, i) => 0.75 * v + 0.25 * now.get(key)!.values[i]!) }]),
      );
      assertWeightsEqual(readWeights(average), expected, 1e-7);
    } finally {
      disposeNetwork(average);
      disposeNetwork(current);
    }
  });
});

/** Runs `body` on a fresh CycleGAN and disposes it (tfjs variable names allow one at a time). */
async function withGan<T>(config: ReturnType<typeof tinyCycleGan>, body: (gan: CycleGan) => T | Promise<T>): Promise<T> {
  const gan = new CycleGan(config);
  try {
    return await body(gan);
  } finally {
    gan.dispose();
  }
}

test('a CycleGAN with --ema keeps the average of its translator over steps, and serves it; without, the last weights', async () => {
  await initBackend('wasm');
  await assertNoLeak(async () => {
    const averaged = await withGan(tinyCycleGan({ generatorAverage: 0.5 }), async (gan) => {
      const start = readWeights(gan.gAB);
      train(gan, [1]);
      const first = readWeights(gan.gAB);
      train(gan, [2]);
      assert.equal(gan.translator, gan.gABAverage);
      return { start, first, state: await gan.getState() };
    });
    const { start, first, state } = averaged;
    // Two steps at decay 0.5 from gAB's starting weights w0: 0.25 w0 + 0.25 w1 + 0.5 w2.
    const expected: NamedWeights = new Map(
      [...state.weights.gAB].map(([key, { shape, values }]) => [
        key,
        { shape, values: values.map((w2, i) => 0.25 * start.get(key)!.values[i]! + 0.25 * first.get(key)!.values[i]! + 0.5 * w2) },
      ]),
    );
    assertWeightsEqual(state.weights.gABAverage!, expected, 1e-6);
    assert.equal(translatorWeights(state.weights), state.weights.gABAverage);

    const plain = await withGan(tinyCycleGan(), async (gan) => {
      train(gan, [1, 2]);
      assert.equal(gan.translator, gan.gAB);
      return gan.getState();
    });
    assert.equal(plain.weights.gABAverage, undefined);
    assert.equal(translatorWeights(plain.weights), plain.weights.gAB);
    // The average only watches: the networks it averages train as they would without it.
    assertWeightsEqual(state.weights.gAB, plain.weights.gAB);
  });
});

test('the average survives a checkpoint, exact and portable, and a resumed run repeats the unbroken one; a warm start restarts it', async () => {
  await initBackend('wasm');
  const dir = await mkdtemp(join(tmpdir(), 'faceaug-average-'));
  const config = tinyCycleGan({ generatorAverage: 0.9 });
  try {
    const unbroken = await withGan(config, (gan) => {
      train(gan, [1, 2, 3]);
      return gan.getState();
    });
    const { pools, ...state } = await withGan(config, (gan) => {
      train(gan, [1, 2]);
      return gan.getState();
    });
    await saveCheckpoint(dir, { options: { ...PRESETS.cpu, source: 'neutral', target: 'disgust', workers: 1 }, globalStep: 2, epoch: 0, stepInEpoch: 2, history: [], state, pools: [pools] });
    const saved = (await loadCheckpoint(dir))!;
    assertWeightsEqual(saved.state.weights.gABAverage!, state.weights.gABAverage!);
    const portable = decodePortable(encodePortable({ checkpoint: saved, data: { datasetId: 'x', versionId: 'y', chain: [] } })).checkpoint;
    assertWeightsEqual(portable.state.weights.gABAverage!, state.weights.gABAverage!, 1e-3);

    await withGan(config, async (gan) => {
      await gan.setState({ ...saved.state, pools: saved.pools[0]! } as CycleGanState);
      train(gan, [3]);
      assertWeightsEqual((await gan.getState()).weights.gABAverage!, unbroken.weights.gABAverage!);

      gan.setWeights(saved.state.weights);
      assertWeightsEqual(readWeights(gan.gABAverage!), saved.state.weights.gAB);
      // A checkpoint without an average (an older run) resumes with one started from its gAB.
      loadWeights(gan.gABAverage!, saved.state.weights.gBA);
      const { gABAverage: _dropped, ...older } = saved.state.weights;
      await gan.setState({ ...saved.state, weights: older, pools: saved.pools[0]! } as CycleGanState);
      assertWeightsEqual(readWeights(gan.gABAverage!), saved.state.weights.gAB);
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
