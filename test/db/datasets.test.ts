import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createDataset, createDatasetVersion, getDatasetVersion, listDatasetVersions, listDatasets } from '../../db/datasets.js';
import { ConflictError, NotFoundError, ValidationError } from '../../db/errors.js';
import { registerModelVersion } from '../../db/registry.js';
import { createTrainingRun, getTrainingRun, updateTrainingRun } from '../../db/runs.js';
import type { Database } from '../../db/client.js';
import { dbTest, rawQuery } from './databases.js';
import { NEUTRAL_HAPPY, onnxBytes } from './fixtures.js';

const SHA = createHash('sha256').update('fer2013.csv').digest('hex');

/** Ten rows: 0-5 neutral, 6-9 happy. */
async function tenRowDataset(db: Database) {
  return createDataset(db, { sourceName: 'fer2013.csv', sha256: SHA, rowCount: 10, classCounts: { neutral: 6, happy: 4 }, layout: 'fer2013-csv/48x48-gray' });
}

dbTest('data sets and filtered versions round-trip, with row ids and scores stored packed', async (handle) => {
  const { db } = handle;
  const dataset = await tenRowDataset(db);
  assert.deepEqual(dataset.classCounts, { angry: 0, disgust: 0, fear: 0, happy: 4, sad: 0, surprise: 0, neutral: 6 });
  const root = await createDatasetVersion(db, {
    datasetId: dataset.id,
    filterMethod: 'gaussian',
    filterParams: { sigma: 2.5 },
    keptRowIds: [7, 1, 3, 0, 6, 2],
    keptScores: [0.7, 0.1, 0.3, 0.05, 0.6, 0.2],
    classCounts: { neutral: { kept: 4, removed: 2 }, happy: { kept: 2, removed: 2 } },
  });
  assert.deepEqual([...root.keptRowIds], [0, 1, 2, 3, 6, 7], 'ids are stored ascending');
  assert.deepEqual([...root.keptScores!], [0.05, 0.1, 0.2, 0.3, 0.6, 0.7].map(Math.fround), 'scores follow their ids');
  const [stored] = await rawQuery<{ bytes: number }>(handle, 'select octet_length(kept_row_ids) as bytes from dataset_versions');
  assert.equal(stored!.bytes, 24, 'six ids in 24 bytes');

  const child = await createDatasetVersion(db, {
    datasetId: dataset.id,
    parentVersionId: root.id,
    filterMethod: 'confidence',
    keptRowIds: Int32Array.from([0, 6]),
    classCounts: { neutral: { kept: 1, removed: 3 }, happy: { kept: 1, removed: 1 } },
  });
  const loaded = await getDatasetVersion(db, child.id);
  assert.deepEqual([...loaded.keptRowIds], [0, 6]);
  assert.equal(loaded.keptScores, null);
  assert.equal(loaded.parentVersionId, root.id);
  assert.deepEqual(loaded.filterParams, {});
  assert.deepEqual((await listDatasets(db)).map((d) => d.id), [dataset.id]);
  const summaries = await listDatasetVersions(db, dataset.id);
  assert.deepEqual(summaries.map((v) => [v.id, v.keptCount, v.filterMethod]), [[root.id, 6, 'gaussian'], [child.id, 2, 'confidence']]);
  assert.ok(!('keptRowIds' in summaries[0]!), 'listings leave the row arrays out');
  assert.deepEqual(await listDatasetVersions(db, dataset.id + 1), []);
  assert.equal((await listDatasetVersions(db)).length, 2);
});

dbTest('data set versions are checked against what their filter was given', async ({ db }) => {
  const dataset = await tenRowDataset(db);
  const counts = { neutral: { kept: 1, removed: 5 }, happy: { kept: 0, removed: 4 } };
  const version = (over: object) => createDatasetVersion(db, { datasetId: dataset.id, filterMethod: 'f', keptRowIds: [0], classCounts: counts, ...over });
  await assert.rejects(version({ keptRowIds: [10] }), /kept row 10 is outside data set/);
  await assert.rejects(version({ keptRowIds: [0, 0] }), /more than once/);
  await assert.rejects(version({ classCounts: { neutral: { kept: 1, removed: 4 }, happy: { kept: 0, removed: 4 } } }), /neutral: kept 1 \+ removed 4 != 6/);
  await assert.rejects(version({ keptRowIds: [0, 1] }), /class counts keep 1 rows, but 2 row ids/);
  await assert.rejects(version({ keptScores: [0.1, 0.2] }), /1 kept row ids but 2 scores/);
  await assert.rejects(version({ datasetId: 999 }), NotFoundError);
  const root = await version({});
  await assert.rejects(version({ parentVersionId: root.id, keptRowIds: [1], classCounts: { neutral: { kept: 1, removed: 0 } } }), /row 1 was not kept by parent/);
  await assert.rejects(
    createDataset(db, { sourceName: 'x', sha256: SHA, rowCount: 10, classCounts: { neutral: 6, happy: 4 }, layout: 'fer2013-csv/48x48-gray' }),
    ConflictError,
  );
  await assert.rejects(createDataset(db, { sourceName: 'x', sha256: SHA, rowCount: 3, classCounts: { neutral: 2 }, layout: 'other' }), /add up to 2/);
  await assert.rejects(createDataset(db, { sourceName: 'x', sha256: 'abc', rowCount: 0, classCounts: {}, layout: 'l' }), ValidationError);
});

dbTest('training runs record their setup, end once, and link to the versions they produced', async ({ db }) => {
  const dataset = await tenRowDataset(db);
  const version = await createDatasetVersion(db, {
    datasetId: dataset.id,
    filterMethod: 'none',
    keptRowIds: [0, 6],
    classCounts: { neutral: { kept: 1, removed: 5 }, happy: { kept: 1, removed: 3 } },
  });
  const run = await createTrainingRun(db, {
    ...NEUTRAL_HAPPY,
    datasetVersionId: version.id,
    architecture: 'cyclegan',
    hyperparameters: { epochs: 3, lr: 2e-4, lambdaCycle: 10 },
    seed: 4_000_000_000,
    backend: 'wasm',
    gitSha: 'abc1234',
  });
  assert.equal(run.status, 'running');
  assert.equal(run.seed, 4_000_000_000);
  assert.equal(run.endedAt, null);
  const withHistory = await updateTrainingRun(db, run.id, { lossHistoryUri: 'file:///runs/1/losses.jsonl' });
  assert.equal(withHistory.status, 'running');
  const ended = await updateTrainingRun(db, run.id, { status: 'succeeded' });
  assert.ok(ended.endedAt instanceof Date);
  assert.equal((await getTrainingRun(db, run.id)).lossHistoryUri, 'file:///runs/1/losses.jsonl');
  await assert.rejects(updateTrainingRun(db, run.id, { status: 'failed' }), /already ended \(succeeded\)/);
  await assert.rejects(getTrainingRun(db, 999), NotFoundError);

  const model = await registerModelVersion(db, { ...NEUTRAL_HAPPY, runId: run.id, artifacts: [{ kind: 'onnx', bytes: onnxBytes(1) }] });
  assert.equal(model.runId, run.id);
  await assert.rejects(
    registerModelVersion(db, { source: 'neutral', target: 'sad', runId: run.id, artifacts: [{ kind: 'onnx', bytes: onnxBytes(1) }] }),
    /trained neutral->happy, not neutral->sad/,
  );
  await assert.rejects(createTrainingRun(db, { ...NEUTRAL_HAPPY, datasetVersionId: 999, architecture: 'a', hyperparameters: {}, seed: 1, backend: 'cpu', gitSha: 'x' }), NotFoundError);
});
