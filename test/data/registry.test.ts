import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../../db/client.js';
import { getDatasetVersion, listDatasets } from '../../db/datasets.js';
import { initBackend } from '../../trainer/tfjs/backend.js';
import { loadDataset } from '../../trainer/data/dataset-store.js';
import { runFilter } from '../../trainer/filter/filter-pipeline.js';
import { importKaggleCsv } from '../../trainer/data/import-kaggle-csv.js';
import { DataRegistry } from '../../trainer/data/registry.js';
import { withRegistry } from '../../db/open-registry.js';
import { HEADER, kaggleLine, syntheticPixels, withTempDir, writeCsv } from './synthetic.js';

test('data sets and chained versions with their scores are recorded in the registry (PGlite)', { timeout: 120_000 }, () =>
  withTempDir(async (dir) => {
    await initBackend();
    // Row 4 (PublicTest) repeats row 0 (Training): the duplicate filter drops row 0.
    const seeds = [0, 1, 2, 3, 0, 5, 6, 7, 8, 9];
    const lines = seeds.map((seed, i) => kaggleLine(i % 2 ? 3 : 6, syntheticPixels(seed), i === 4 ? 'PublicTest' : 'Training'));
    const { manifest } = await importKaggleCsv(await writeCsv(dir, 'small.csv', [HEADER, ...lines]), { dataDir: dir });
    const dataset = await loadDataset(dir, manifest.id);
    const { dedup, gaussian } = await withRegistry(dir, async (handle) => {
      const registry = new DataRegistry(handle.db);
      const datasetId = await registry.datasetId(manifest);
      assert.equal(await registry.datasetId(manifest), datasetId, 'recorded once');
      const context = { dataDir: dir, splits: [0], register: registry.versionId.bind(registry, manifest) };
      const dedup = (await runFilter(dataset, null, { method: 'duplicates' }, context)).version;
      const spec = { method: 'gaussian', embedding: 'expression', retention: 50, shrinkage: 0.5, ridge: 1e-3 } as const;
      return { dedup, gaussian: (await runFilter(dataset, dedup, spec, context)).version };
    });

    const handle = await openDatabase({ dataDir: dir });
    try {
      const [recorded] = await listDatasets(handle.db);
      assert.equal(recorded!.sha256, manifest.sha256);
      assert.equal(recorded!.rowCount, 10);
      const first = await getDatasetVersion(handle.db, dedup.registryId!);
      assert.deepEqual([...first.keptRowIds], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
      assert.equal(first.keptScores, null);
      const second = await getDatasetVersion(handle.db, gaussian.registryId!);
      assert.equal(second.parentVersionId, first.id);
      assert.equal(second.filterMethod, 'gaussian');
      assert.equal(second.filterParams.retention, 50);
      assert.deepEqual([...second.keptRowIds], gaussian.kept);
      const expected = gaussian.kept.map((i) => Math.fround(gaussian.scores[gaussian.scored.indexOf(i)]!));
      assert.deepEqual([...second.keptScores!], expected);
      // Training happy rows 1,3,5,7,9 -> 3 kept; neutral 2,6,8 -> 2 kept, and PublicTest row 4 passes through.
      assert.deepEqual(second.classCounts.happy, { kept: 3, removed: 2 });
      assert.deepEqual(second.classCounts.neutral, { kept: 3, removed: 1 });
    } finally {
      await handle.close();
    }
  }));
