import sharp from 'sharp';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withRegistry } from '../../db/open-registry.js';
import { getModelVersion } from '../../db/registry.js';
import { unpackTensors } from '../../trainer/networks/tensor-file.js';
import { loadCheckpoint } from '../../trainer/gan/checkpoint.js';
import { generateImages } from '../../trainer/gan/generate.js';
import { PRESETS, type TrainOptions } from '../../trainer/gan/options.js';
import { readRunRecord } from '../../trainer/gan/run-files.js';
import { runGenerator } from '../../trainer/gan/run-generator.js';
import { registerRunGenerator, startTraining } from '../../trainer/gan/run-training.js';
import { loadSnapshot } from '../../trainer/gan/snapshots.js';
import { syntheticVersion, writeSyntheticFer } from '../helpers/synthetic-fer.js';

const OPTIONS: TrainOptions = {
  ...PRESETS.cpu,
  ...{ ngf: 4, blocks: 1, subBlocks: 2, ndf: 4, dLayers: 2, batchSize: 2, epochs: 1, decayEpochs: 0, stepsPerEpoch: 6 },
  source: 'neutral',
  target: 'disgust',
  workers: 1,
};

const same = (a: Map<string, { values: Float32Array }>, b: Map<string, { values: Float32Array }>) =>
  a.size === b.size && [...a].every(([name, { values }]) => values.every((v, i) => v === b.get(name)!.values[i]));

test('a run registers the generator of the step its chooser picks; generate and validation translate with it', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'faceaug-choose-'));
  try {
    const csv = join(dataDir, 'fer.csv');
    await writeSyntheticFer(csv, { 1: [6, 0], 6: [10, 0] });
    const data = await syntheticVersion(dataDir, csv);
    const common = { dataDir, data, options: OPTIONS, backend: 'wasm', checkpointEvery: 0, snapshotEvery: 2 };

    const chose = await startTraining({ ...common, chooseGenerator: async (_run, last) => (assert.equal(last, 6), 4) });
    assert.deepEqual([chose.steps, chose.generatorStep], [6, 4]);
    const record = await readRunRecord(dataDir, chose.runId);
    assert.equal(record.generatorStep, 4);
    const snapshot = await loadSnapshot(chose.runDir, 4);
    const generator = await runGenerator(dataDir, record);
    assert.equal(generator.step, 4);
    assert.ok(same(generator.weights, snapshot));
    const registered = await withRegistry(dataDir, ({ db }) => getModelVersion(db, { source: 'neutral', target: 'disgust', version: chose.modelVersion }, { kinds: ['tfjs', 'sample-grid', 'loss-plot'] }));
    assert.deepEqual(registered.verified.map((a) => a.kind), ['tfjs', 'sample-grid', 'loss-plot']);
    assert.deepEqual(registered.verified[2]!.bytes, await readFile(join(chose.runDir, 'losses.png')), "the run's loss plot is stored with the version");
    // Sample faces above their translations: two rows of 48 px faces at twice the size.
    const grid = await sharp(registered.verified[1]!.bytes).metadata();
    assert.ok(grid.format === 'png' && grid.height! >= 2 * 96, `sample grid ${grid.format} ${grid.width}x${grid.height}`);
    const tensors = unpackTensors(registered.verified[0]!.bytes).tensors;
    assert.ok(same(new Map(tensors.map((t) => [t.name, t])), snapshot), 'the registered weights are the chosen snapshot');
    assert.ok(!same(snapshot, (await loadCheckpoint(chose.runDir))!.state.weights.gAB), 'the last step differs from the chosen one');
    const out = join(dataDir, 'generated');
    await generateImages({ dataDir, runId: chose.runId, count: 2, out, seed: 0, backend: 'wasm' });
    const lines = (await readFile(join(out, 'manifest.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { step: number });
    assert.deepEqual(lines.map((l) => l.step), [4, 4]);

    const last = await startTraining({ ...common, chooseGenerator: async () => undefined });
    assert.deepEqual([last.steps, last.generatorStep], [6, 6]);
    const lastRecord = await readRunRecord(dataDir, last.runId);
    assert.equal(lastRecord.generatorStep, undefined);
    assert.equal((await runGenerator(dataDir, lastRecord)).step, 6);

    // Chosen after the run ended (it had no judge then): a new candidate version with that step's weights.
    const later = await registerRunGenerator(dataDir, last.runId, 4);
    assert.deepEqual([later?.generatorStep, later?.steps, later!.modelVersion > last.modelVersion], [4, 6, true]);
    assert.equal((await readRunRecord(dataDir, last.runId)).generatorStep, 4);
    const laterVersion = await withRegistry(dataDir, ({ db }) => getModelVersion(db, { source: 'neutral', target: 'disgust', version: later!.modelVersion }, { kinds: ['tfjs'] }));
    const laterTensors = unpackTensors(laterVersion.verified[0]!.bytes).tensors;
    assert.ok(same(new Map(laterTensors.map((t) => [t.name, t])), await loadSnapshot(last.runDir, 4)));
    assert.equal(await registerRunGenerator(dataDir, last.runId, 4), undefined, 'registered already');
    assert.equal((await registerRunGenerator(dataDir, last.runId, 6))?.generatorStep, 6);
    assert.equal((await readRunRecord(dataDir, last.runId)).generatorStep, undefined, 'back to the last step');
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
