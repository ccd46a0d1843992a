import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDataset, createDatasetVersion } from '../../db/datasets.js';
import { registerJudge } from '../../db/judges.js';
import { withRegistry } from '../../db/open-registry.js';
import { lossJudge } from '../../trainer/gan/loss-judge.js';
import { PRESETS, type TrainOptions } from '../../trainer/gan/options.js';

test('a loss judge must have kept its weights, and a resumed run must find the same network under its id', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'faceaug-loss-judge-'));
  try {
    const [bare, kept] = await withRegistry(dataDir, async ({ db }) => {
      const dataset = await createDataset(db, { sourceName: 'fer.csv', sha256: createHash('sha256').update('fer').digest('hex'), rowCount: 1, classCounts: { neutral: 1 }, layout: 'fer2013-csv/48x48-gray' });
      const version = await createDatasetVersion(db, { datasetId: dataset.id, filterMethod: 'duplicates', filterParams: {}, keptRowIds: [0], classCounts: { neutral: { kept: 1, removed: 0 } } });
      const input = { datasetVersionId: version.id, recipe: 'fast', seed: 1, params: {}, metrics: {} };
      return [await registerJudge(db, { ...input, onnx: Buffer.from('old judge') }), await registerJudge(db, { ...input, seed: 3, onnx: Buffer.from('new judge'), weights: Buffer.from('packed') })];
    });
    const options: TrainOptions = { ...PRESETS.cpu, source: 'neutral', target: 'disgust', workers: 1, lambdaExpression: 0.1 };

    assert.equal(await lossJudge(dataDir, options), undefined, 'no judge asked for');
    assert.equal(await lossJudge(dataDir, { ...options, expressionJudge: kept.id, lambdaExpression: 0 }), undefined, 'no target-expression loss to put it in');
    await assert.rejects(lossJudge(dataDir, { ...options, expressionJudge: bare.id }), /registered without its weights/);
    const found = await lossJudge(dataDir, { ...options, expressionJudge: kept.id });
    assert.deepEqual([Buffer.from(found!.classifier).toString(), found!.sha256], ['packed', kept.sha256]);
    assert.ok(await lossJudge(dataDir, { ...options, expressionJudge: kept.id, expressionJudgeSha256: kept.sha256 }));
    await assert.rejects(lossJudge(dataDir, { ...options, expressionJudge: kept.id, expressionJudgeSha256: bare.sha256 }), /is not the judge this run's loss read with/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
