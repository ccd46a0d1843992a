import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FACE_PIXELS } from '../../core/image-codec.js';
import { seededRandom } from '../../core/random.js';
import { initBackend } from '../../trainer/tfjs/backend.js';
import { datasetDir, loadDataset } from '../../trainer/data/dataset-store.js';
import { runFilter } from '../../trainer/filter/filter-pipeline.js';
import { classifierSettings } from '../../trainer/classifier/options.js';
import { importKaggleCsv } from '../../trainer/data/import-kaggle-csv.js';
import { findVersion } from '../../trainer/data/version-store.js';
import { assertNoLeak } from '../helpers/tensors.js';
import { HEADER, kaggleLine, withTempDir, writeCsv } from '../data/synthetic.js';

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

test('confident learning reuses the cached out-of-fold probabilities, removes only Training rows and records its estimates', { timeout: 300_000 }, () =>
  withTempDir(async (dir) => {
    await initBackend();
    const dataDir = join(dir, 'data');
    // 64 Training images, bright ones happy (3) and dark ones neutral (6), every 8th bright one
    // labelled neutral (24 happy, 40 neutral), then 8 PublicTest images.
    const random = seededRandom(7);
    const image = (bright: boolean) => Array.from({ length: FACE_PIXELS }, () => (bright ? 150 : 50) + Math.floor(random() * 60));
    const lines = Array.from({ length: 72 }, (_, i) => {
      const bright = i % 2 === 0;
      return kaggleLine(bright && i % 8 !== 0 ? 3 : 6, image(bright), i < 64 ? 'Training' : 'PublicTest');
    });
    const { manifest } = await importKaggleCsv(await writeCsv(dir, 'small.csv', [HEADER, ...lines]), { dataDir });
    const dataset = await loadDataset(dataDir, manifest.id);
    const stages: string[] = [];
    const context = { dataDir, splits: [0], onStage: (stage: string) => void stages.push(stage) };
    const trainings = () => stages.filter((s) => s.startsWith('out-of-fold training')).length;
    const classifier = { folds: 2, seed: 3, ...classifierSettings({ epochs: 1, width: 0.25, batchSize: 16 }) };

    await assertNoLeak(() => runFilter(dataset, null, { method: 'confidence', keep: { rule: 'top-percent', value: 90 }, ...classifier }, context));
    assert.equal(trainings(), 1);
    const cacheDir = join(datasetDir(dataDir, manifest.id), 'out-of-fold');
    const cached = await readdir(cacheDir);
    assert.equal(cached.length, 1);
    const written = (await stat(join(cacheDir, cached[0]!))).mtimeMs;

    const result = await assertNoLeak(() => runFilter(dataset, null, { method: 'confident-learning', pruneBy: 'noise-rate', ...classifier }, context));
    assert.equal(trainings(), 1, 'the probabilities the confidence filter trained for are read back');
    const { version } = result;
    assert.equal(version.method, 'confident-learning');
    assert.deepEqual(version.scored, Array.from({ length: 72 }, (_, i) => i));
    assert.ok(version.scores.every((s) => s >= 0 && s <= 1), 'normalized margins');
    // Even one epoch tells bright from dark: what goes are the bright images labelled neutral (all
    // eight with one training replica; a borderline one may differ by rounding with more).
    const removed = version.scored.filter((i) => !version.kept.includes(i));
    assert.ok(removed.length >= 6 && removed.every((i) => i % 8 === 0 && dataset.usage[i] === 0), `removed ${removed}`);
    const params = version.params as { pruneBy: string; thresholds: Array<number | null>; confidentJoint: number[][]; noiseMatrix: number[][]; truePrior: number[] };
    assert.equal(params.pruneBy, 'noise-rate');
    // Only happy and neutral are labelled among the Training rows: no other class has a threshold.
    assert.deepEqual(params.thresholds.map((t, j) => (t === null ? null : j)), [null, null, null, 3, null, null, 6]);
    assert.deepEqual([sum(params.confidentJoint[3]!), sum(params.confidentJoint[6]!), sum(params.confidentJoint.flat())], [24, 40, 64]);
    params.truePrior.forEach((p, j) => {
      if (p > 0) assert.ok(Math.abs(sum(params.noiseMatrix.map((row) => row[j]!)) - 1) < 1e-12, `column ${j} of the noise matrix`);
    });
    assert.deepEqual(result.noise?.joint, params.confidentJoint);
    assert.deepEqual(result.sheets.map((p) => p.split('/').pop()), ['happy.png', 'neutral.png']);
    assert.deepEqual((await findVersion(dataDir, version.id))?.kept, version.kept);

    const margin = await runFilter(dataset, null, { method: 'confident-learning', pruneBy: 'margin', keep: { rule: 'top-n', value: 10 }, ...classifier }, context);
    assert.equal(margin.version.kept.length, 10 + 10 + 8);
    assert.deepEqual(margin.version.scores, version.scores, 'both prunings rank by the same margins');

    // The same filter again: the same version, nothing trained, the cache file untouched.
    const again = await runFilter(dataset, null, { method: 'confident-learning', pruneBy: 'noise-rate', ...classifier }, context);
    assert.equal(again.version.id, version.id);
    assert.deepEqual(again.version.kept, version.kept);
    assert.equal(trainings(), 1);
    assert.equal((await stat(join(cacheDir, cached[0]!))).mtimeMs, written);

    // Another seed is another set of classifiers, cached beside the first.
    await runFilter(dataset, null, { method: 'confident-learning', pruneBy: 'noise-rate', ...classifier, seed: 4 }, context);
    assert.equal(trainings(), 2);
    assert.equal((await readdir(cacheDir)).length, 2);
  }));
