import { classifierSettings } from '../../trainer/classifier/options.js';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../db/client.js';
import { migrate } from '../../db/migrate.js';
import { registerModelVersion } from '../../db/registry.js';
import { listValidations } from '../../db/validations.js';
import type { FoldResult } from '../../trainer/validate/fold-task.js';
import type { ClassificationMetrics } from '../../trainer/validate/metrics.js';
import { recordVerdict } from '../../trainer/validate/record-verdict.js';
import type { ValidationReport } from '../../trainer/validate/report.js';
import { decide, summarizeSet } from '../../trainer/validate/verdict.js';
import { postgresTest, withDatabaseUrl } from '../helpers/postgres.js';
import { onnxBytes } from '../db/fixtures.js';

const DISGUST = { source: 'neutral', target: 'disgust' } as const;

function metrics(targetAuc: number): ClassificationMetrics {
  const perClass = Array.from({ length: 7 }, (_, c) => (c === 1 ? targetAuc : 0.9));
  const mean = perClass.reduce((a, b) => a + b, 0) / 7;
  return { precision: perClass, recall: perClass, auc: perClass, f1: perClass, meanPrecision: mean, meanAuc: mean, macroF1: mean, accuracy: mean, count: 700 };
}

/** A finished validation of `modelVersion` whose augmented arm gains target AUC on every fold. */
function report(modelVersion: number): ValidationReport {
  const folds: FoldResult[] = [0, 1, 2, 3].map((i) => {
    const arm = (m: ClassificationMetrics) => ({ test: m, heldOut: m, trainMs: 1000 });
    return { repeat: 0, fold: i, seed: i, trainReal: 900, synthetic: 100, heldOut: 100, testCount: 700, baseline: arm(metrics(0.8 + i / 1000)), augmented: arm(metrics(0.83 + i / 800)), baselineReused: false, leakedTensors: 0 };
  });
  const sets = { test: summarizeSet(folds, 'test', 1, 1), heldOut: summarizeSet(folds, 'heldOut', 1, 1) };
  const rule = { statistic: 't' as const, alpha: 0.05, tolerance: 0.005 };
  const classifier = classifierSettings({ recipe: 'reference', width: 0.125, epochs: 1, batchSize: 16, learningRate: 1e-3 });
  return {
    id: 'v-test',
    createdAt: new Date().toISOString(),
    translator: DISGUST,
    params: { runId: 1, modelVersion, generatorStep: 3, dataVersion: 'd1', count: 6, candidates: 6, testPerClass: 2, folds: 4, seed: 1, classifier },
    repeats: 1,
    rule,
    data: { datasetId: 'ds', test: 14, testFromTraining: {}, pool: 100, poolPerClass: {} },
    synthetic: { used: 6, candidates: 6, generatorStep: 3, selection: 'none', meanTargetConfidence: null },
    folds: { total: 4, reused: 0, trainedNow: 4, baselinesReused: 0, meanTrainSeconds: { baseline: 1, augmented: 1 }, leakedTensors: 0 },
    sets,
    verdict: decide(sets.test, rule),
    timings: [],
    registration: 'Recorded in the registry.',
    registered: null,
  };
}

// The validation's registry opener once ignored DATABASE_URL and always opened PGlite under the
// data dir, where the model version trained into Postgres does not exist.
postgresTest('a validation verdict is recorded in the Postgres registry DATABASE_URL names', async (url) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'faceaug-record-verdict-'));
  const handle = await openDatabase({ url });
  try {
    await migrate(handle);
    const version = await registerModelVersion(handle.db, { ...DISGUST, artifacts: [{ kind: 'onnx', bytes: onnxBytes(1) }] });
    const validated = report(version.version);
    assert.equal(validated.verdict.accepted, true, validated.verdict.reasons.join('; '));

    const registered = await withDatabaseUrl(url, () => recordVerdict(dataDir, validated));
    assert.deepEqual([registered.modelVersion, registered.status], [version.version, 'accepted']);
    const stored = await listValidations(handle.db, { ...DISGUST, version: version.version });
    assert.deepEqual(stored.map((v) => [v.id, v.verdict, v.params.validationId]), [[registered.validationId, 'accepted', 'v-test']]);
    assert.equal(existsSync(join(dataDir, 'pglite')), false, 'no embedded database was opened');
  } finally {
    await handle.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
