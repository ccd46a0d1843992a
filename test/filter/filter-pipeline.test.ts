import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { initBackend } from '../../trainer/tfjs/backend.js';
import { loadDataset } from '../../trainer/data/dataset-store.js';
import { runFilter } from '../../trainer/filter/filter-pipeline.js';
import { classifierSettings } from '../../trainer/classifier/options.js';
import { importKaggleCsv } from '../../trainer/data/import-kaggle-csv.js';
import { findVersion, type DatasetVersion } from '../../trainer/data/version-store.js';
import { assertNoLeak } from '../helpers/tensors.js';
import { HEADER, kaggleLine, syntheticPixels, withTempDir, writeCsv } from '../data/synthetic.js';

test('duplicates, gaussian and confidence run in sequence, each a saved and registered version', { timeout: 300_000 }, () =>
  withTempDir(async (dir) => {
    await initBackend();
    const dataDir = join(dir, 'data');
    // 24 Training images of two classes plus a PublicTest copy of image 0 (leak) and one PublicTest image.
    const lines = Array.from({ length: 24 }, (_, i) => kaggleLine(i % 2 ? 3 : 6, syntheticPixels(i)));
    lines.push(kaggleLine(6, syntheticPixels(0), 'PublicTest'), kaggleLine(3, syntheticPixels(99), 'PublicTest'));
    const { manifest } = await importKaggleCsv(await writeCsv(dir, 'small.csv', [HEADER, ...lines]), { dataDir });
    const dataset = await loadDataset(dataDir, manifest.id);
    const registered: Array<[string, string | null]> = [];
    const context = {
      dataDir,
      splits: [0],
      register: async (version: DatasetVersion, parent: DatasetVersion | null) => {
        registered.push([version.method, parent?.id ?? null]);
        return registered.length;
      },
    };

    const dedup = await runFilter(dataset, null, { method: 'duplicates' }, context);
    // The Training copy of the leaked image goes, the PublicTest copy stays.
    assert.deepEqual(dedup.version.kept, Array.from({ length: 26 }, (_, i) => i).filter((i) => i !== 0));
    assert.equal(dedup.sheets.length, 0);

    const gaussian = await assertNoLeak(() =>
      runFilter(dataset, dedup.version, { method: 'gaussian', embedding: 'expression', retention: 75, shrinkage: 0.5, ridge: 1e-3 }, context),
    );
    // Per class of the 23 Training rows: ceil(0.75 * 11) + ceil(0.75 * 12) = 9 + 9; both PublicTest rows pass through.
    assert.equal(gaussian.version.kept.length, 18 + 2);
    // Every input row is scored (the PublicTest ones under the Training Gaussians), so every kept row has a score.
    assert.equal(gaussian.version.scored.length, 25);
    assert.ok(gaussian.version.scores.every(Number.isFinite));
    assert.deepEqual(gaussian.version.classCounts.neutral, { kept: 10, removed: 2 });
    assert.ok(gaussian.version.kept.every((i) => dedup.version.kept.includes(i)));
    assert.deepEqual(gaussian.sheets.map((p) => p.split('/').pop()), ['happy.png', 'neutral.png']);
    assert.ok((await stat(gaussian.sheets[0]!)).size > 0);

    const confidence = await assertNoLeak(() =>
      runFilter(
        dataset,
        gaussian.version,
        { method: 'confidence', keep: { rule: 'top-n', value: 5 }, folds: 2, seed: 3, ...classifierSettings({ recipe: 'reference', epochs: 1, width: 0.125, batchSize: 8, learningRate: 1e-3 }) },
        context,
      ),
    );
    assert.equal(confidence.version.kept.length, 5 + 5 + 2);
    assert.deepEqual(registered, [
      ['duplicates', null],
      ['gaussian', dedup.version.id],
      ['confidence', gaussian.version.id],
    ]);
    assert.equal((await findVersion(dataDir, '3'))?.id, confidence.version.id);
    assert.equal((await findVersion(dataDir, confidence.version.id))?.kept.length, 12);
  }));
