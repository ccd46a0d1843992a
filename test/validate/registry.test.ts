import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { getModelVersion, registerModelVersion } from '../../db/registry.js';
import { listValidations, recordValidation } from '../../db/validations.js';
import { dbTest } from '../db/databases.js';
import { onnxBytes } from '../db/fixtures.js';

const DISGUST = { source: 'neutral', target: 'disgust' } as const;

dbTest('a validation sets a candidate to its verdict once and every later result is kept beside it', async ({ db }) => {
  const version = await registerModelVersion(db, { ...DISGUST, artifacts: [{ kind: 'onnx', bytes: onnxBytes(1) }] });
  const ref = { ...DISGUST, version: version.version };
  const first = await recordValidation(db, { ref, verdict: 'rejected', params: { folds: 2 }, metrics: { targetAuc: 0.9 }, report: '# r1' });
  assert.equal(first.statusChanged, true);
  assert.equal(first.version.status, 'rejected');
  // A re-run with more folds is recorded but does not overturn the version's status.
  const second = await recordValidation(db, { ref, verdict: 'accepted', params: { folds: 10 }, metrics: { targetAuc: 0.95 }, report: '# r2' });
  assert.equal(second.statusChanged, false);
  assert.equal(second.version.status, 'rejected');
  const stored = await listValidations(db, ref);
  assert.deepEqual(stored.map((v) => [v.verdict, v.params.folds, v.report]), [['rejected', 2, '# r1'], ['accepted', 10, '# r2']]);
  // drizzle wraps the database's error; the trigger's message is its cause.
  await assert.rejects(db.execute(sql`update validations set verdict = 'accepted'`), (error: Error) => /append-only/.test(String((error.cause as Error | undefined)?.message)));
  await assert.rejects(recordValidation(db, { ref: { ...ref, version: 99 }, verdict: 'accepted', params: {}, metrics: {}, report: '' }), /does not exist/);
});

dbTest('the charts of the validation that sets the status are stored with the version; later ones are not', async ({ db }) => {
  const version = await registerModelVersion(db, { ...DISGUST, artifacts: [{ kind: 'onnx', bytes: onnxBytes(2) }] });
  const ref = { ...DISGUST, version: version.version };
  const charts = (tag: string) => [
    { kind: 'precision-chart' as const, bytes: Buffer.from(`precision ${tag}`) },
    { kind: 'auc-chart' as const, bytes: Buffer.from(`auc ${tag}`) },
  ];
  const stored = async () =>
    (await getModelVersion(db, ref, { kinds: ['precision-chart', 'auc-chart'] })).verified.map((a) => [a.kind, a.bytes.toString()]);

  await assert.rejects(
    recordValidation(db, { ref, verdict: 'accepted', params: {}, metrics: {}, report: '', charts: [{ kind: 'onnx', bytes: onnxBytes(3) }] }),
    /only precision and AUC charts/,
  );
  assert.deepEqual(await stored(), [], 'a refused validation stores nothing');
  await recordValidation(db, { ref, verdict: 'rejected', params: {}, metrics: {}, report: '# r1', charts: charts('first') });
  await recordValidation(db, { ref, verdict: 'accepted', params: {}, metrics: {}, report: '# r2', charts: charts('second') });
  assert.deepEqual(await stored(), [['precision-chart', 'precision first'], ['auc-chart', 'auc first']]);
});
