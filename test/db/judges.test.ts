import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createDataset, createDatasetVersion } from '../../db/datasets.js';
import { NotFoundError, ValidationError } from '../../db/errors.js';
import { findJudge, registerJudge } from '../../db/judges.js';
import { dbTest } from './databases.js';

dbTest('judges are stored with their ONNX bytes and sha256; the newest is the default', async ({ db }) => {
  await assert.rejects(findJudge(db), (e: unknown) => e instanceof NotFoundError && /judge train/.test(e.message));
  const dataset = await createDataset(db, {
    sourceName: 'fer.csv',
    sha256: createHash('sha256').update('fer').digest('hex'),
    rowCount: 2,
    classCounts: { neutral: 1, happy: 1 },
    layout: 'fer2013-csv/48x48-gray',
  });
  const version = await createDatasetVersion(db, {
    datasetId: dataset.id,
    filterMethod: 'duplicates',
    filterParams: {},
    keptRowIds: [0, 1],
    classCounts: { neutral: { kept: 1, removed: 0 }, happy: { kept: 1, removed: 0 } },
  });
  const input = { datasetVersionId: version.id, recipe: 'strong', seed: 1, params: { epochs: 3 }, metrics: { accuracy: 0.61 } };
  const first = await registerJudge(db, { ...input, onnx: Buffer.from('first model') });
  const second = await registerJudge(db, { ...input, seed: 2, onnx: Buffer.from('second model') });
  assert.equal(second.sha256, createHash('sha256').update('second model').digest('hex'));
  assert.equal((await findJudge(db)).id, second.id);
  const found = await findJudge(db, first.id);
  assert.deepEqual([Buffer.from(found.onnx).toString(), found.metrics, found.seed], ['first model', { accuracy: 0.61 }, 1]);
  await assert.rejects(findJudge(db, 999), /judge 999 does not exist/);

  // A run whose loss read with the second judge is never judged by it: passed over by default,
  // refused by id; and a judge without kept weights cannot serve in a loss.
  assert.equal((await findJudge(db, undefined, { except: second.sha256 })).id, first.id);
  await assert.rejects(findJudge(db, second.id, { except: second.sha256 }), (e: unknown) => e instanceof ValidationError && /in this run's target-expression loss/.test(e.message));
  assert.equal(found.weights, null);
  const withWeights = await registerJudge(db, { ...input, seed: 3, onnx: Buffer.from('third model'), weights: Buffer.from('packed classifier') });
  assert.equal(Buffer.from((await findJudge(db, withWeights.id)).weights!).toString(), 'packed classifier');
});
