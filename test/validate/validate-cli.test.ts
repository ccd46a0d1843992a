import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { openDatabase } from '../../db/client.js';
import { listValidations } from '../../db/validations.js';
import type { ValidationReport } from '../../trainer/validate/report.js';
import { faceaug } from '../helpers/cli.js';
import { syntheticVersion, writeSyntheticFer } from '../helpers/synthetic-fer.js';

const TINY_GAN = [
  '--ngf', '4', '--blocks', '1', '--sub-blocks', '1', '--ndf', '4', '--d-layers', '2', '--batch-size', '2', '--workers', '1',
  '--epochs', '1', '--decay-epochs', '0', '--steps-per-epoch', '3', '--pool-size', '0', '--backend', 'wasm', '--json',
];
const TINY_VALIDATION = [
  '--count', '6', '--test-per-class', '2', '--folds', '2', '--epochs', '1', '--width', '0.125', '--batch-size', '16',
  '--workers', '2', '--backend', 'wasm', '--json',
];

test('validate and package: a tiny run end to end, reports, resumed folds, the verdict in the registry, the shipped files', { timeout: 180_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'faceaug-validate-'));
  try {
    const csv = join(dir, 'fer.csv');
    // [Training, PublicTest] per label; PublicTest feeds the fixed test set.
    await writeSyntheticFer(csv, { 0: [8, 3], 1: [6, 3], 2: [8, 3], 3: [8, 3], 4: [8, 3], 5: [8, 3], 6: [12, 3] });
    const dataDir = join(dir, 'data');
    const version = await syntheticVersion(dataDir, csv);
    const trained = faceaug(['train', '--data', version, '--target', 'disgust', '--data-dir', dataDir, ...TINY_GAN]);
    assert.equal(trained.status, 0, trained.stderr);
    const { runId, modelVersion } = JSON.parse(trained.stdout) as { runId: number; modelVersion: number };

    const first = faceaug(['validate', '--run', String(runId), '--repeats', '1', '--data-dir', dataDir, ...TINY_VALIDATION]);
    assert.equal(first.status, 0, first.stderr);
    const report = JSON.parse(first.stdout) as ValidationReport;
    assert.deepEqual([report.folds.total, report.folds.reused, report.folds.trainedNow], [2, 0, 2]);
    assert.equal(report.folds.leakedTensors, 0, 'a fold leaked tensors');
    assert.equal(report.data.test, 14);
    assert.equal(report.synthetic.used, 6);
    assert.ok(report.sets.test.baseline.meanAuc >= 0 && report.sets.test.baseline.meanAuc <= 1);
    assert.equal(report.sets.test.comparisons.targetAuc.t.n, 2);
    const verdict = report.verdict.accepted ? 'accepted' : 'rejected';
    assert.deepEqual(report.registered && [report.registered.modelVersion, report.registered.status], [modelVersion, verdict]);
    assert.ok(['load', 'generate', 'select', 'folds', 'report', 'register'].every((phase) => phase in report.timings[0]!.seconds));

    const out = join(dataDir, 'validations', report.id);
    const files = await readdir(out);
    for (const file of ['report.json', 'report.md', 'precision.png', 'auc.png', 'synthetic.png', 'params.json']) assert.ok(files.includes(file), `${file} missing`);
    assert.deepEqual((await readdir(join(out, 'folds'))).sort(), ['0-0.json', '0-1.json']);
    for (const png of ['precision.png', 'auc.png', 'synthetic.png']) assert.equal((await sharp(join(out, png)).metadata()).format, 'png');
    const markdown = await readFile(join(out, 'report.md'), 'utf8');
    assert.match(markdown, new RegExp(`Verdict: ${verdict}`));
    assert.match(markdown, /\| target AUC \|/);

    // A second repeat reuses both finished folds, untouched, and trains only the new ones.
    const firstFold = await readFile(join(out, 'folds', '0-0.json'), 'utf8');
    const second = faceaug(['validate', '--run', String(runId), '--repeats', '2', '--data-dir', dataDir, ...TINY_VALIDATION]);
    assert.equal(second.status, 0, second.stderr);
    const extended = JSON.parse(second.stdout) as ValidationReport;
    assert.equal(extended.id, report.id);
    assert.equal(extended.timings.length, 2, 'both invocations timed');
    assert.deepEqual([extended.folds.total, extended.folds.reused, extended.folds.trainedNow, extended.folds.baselinesReused], [4, 2, 2, 0]);
    assert.equal(await readFile(join(out, 'folds', '0-0.json'), 'utf8'), firstFold);
    assert.deepEqual((await readdir(join(out, 'folds'))).sort(), ['0-0.json', '0-1.json', '1-0.json', '1-1.json']);

    // Another --count is another validation, but its baselines are the same classifiers: reused, not retrained.
    const other = faceaug(['validate', '--run', String(runId), '--repeats', '1', '--data-dir', dataDir, ...TINY_VALIDATION, '--count', '4', '--no-register']);
    assert.equal(other.status, 0, other.stderr);
    const otherReport = JSON.parse(other.stdout) as ValidationReport;
    assert.notEqual(otherReport.id, report.id);
    assert.deepEqual([otherReport.folds.trainedNow, otherReport.folds.baselinesReused, otherReport.synthetic.used], [2, 2, 4]);
    assert.deepEqual(otherReport.sets.test.baseline, report.sets.test.baseline, 'the very same baselines');
    assert.equal(otherReport.registered, null);

    const handle = await openDatabase({ dataDir });
    try {
      const stored = await listValidations(handle.db, { source: 'neutral', target: 'disgust', version: modelVersion });
      assert.equal(stored.length, 2);
      assert.equal(stored[0]!.verdict, verdict);
      assert.match(stored[0]!.report, /# Validation/);
    } finally {
      await handle.close();
    }

    // Shipping the validated run writes what first-start seeding reads, with the same verdict.
    const notes = join(dir, 'notes.md');
    await writeFile(notes, '- trained for three steps on noise\n');
    const shipped = faceaug(['package', '--run', String(runId), '--validation', out, '--notes', notes, '--out', join(dir, 'models'), '--data-dir', dataDir, '--json']);
    assert.equal(shipped.status, 0, shipped.stderr);
    const shipDir = join(dir, 'models', 'neutral-to-disgust');
    const manifest = JSON.parse(await readFile(join(shipDir, 'manifest.json'), 'utf8')) as { status: string; verdict: string; onnxSha256: string };
    assert.equal(manifest.status, verdict);
    assert.match(manifest.verdict, new RegExp(`^${verdict}: disgust AUC `));
    assert.equal(createHash('sha256').update(await readFile(join(shipDir, 'model.onnx'))).digest('hex'), manifest.onnxSha256);
    const card = await readFile(join(shipDir, 'model-card.md'), 'utf8');
    assert.ok(card.includes(manifest.verdict) && card.includes('trained for three steps on noise'));
    assert.match(card, /## Translation quality\n\nNot measured: `faceaug evaluate --run \d+ --step \d+`/, 'no judge was registered');
    assert.equal(JSON.parse(await readFile(join(shipDir, 'validation.json'), 'utf8')).id, report.id);
    assert.equal((await sharp(join(shipDir, 'samples.png')).metadata()).format, 'png');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('validate rejects bad input with a clear message and exit 1', () => {
  const missing = faceaug(['validate']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /--run <id>/);
  const badFolds = faceaug(['validate', '--run', '1', '--folds', '1']);
  assert.equal(badFolds.status, 1);
  assert.match(badFolds.stderr, /invalid folds '1'/);
  const noRun = faceaug(['validate', '--run', '7', '--data-dir', tmpdir()]);
  assert.equal(noRun.status, 1);
  assert.match(noRun.stderr, /no training run 7/);
  const help = faceaug(['validate', '--help']);
  assert.equal(help.status, 0);
  for (const flag of ['--repeats', '--folds', '--count', '--test-per-class', '--epochs', '--width', '--select-from', '--statistic', '--tolerance']) assert.match(help.stdout, new RegExp(flag));
});
