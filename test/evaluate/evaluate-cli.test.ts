import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { faceaug } from '../helpers/cli.js';
import { syntheticVersion, writeSyntheticFer } from '../helpers/synthetic-fer.js';

const SHIPPED = fileURLToPath(new URL('../../models/neutral-to-disgust', import.meta.url));
const TINY_GAN = [
  '--ngf', '4', '--blocks', '1', '--sub-blocks', '1', '--ndf', '4', '--d-layers', '2', '--batch-size', '2', '--workers', '1',
  '--epochs', '1', '--decay-epochs', '1', '--steps-per-epoch', '6', '--snapshot-every', '4', '--evaluate-every', '8', '--backend', 'wasm', '--json',
];

test('judge train registers a judge; train evaluates its snapshots as it goes; evaluate measures the rest and picks a step', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'faceaug-evaluate-'));
  try {
    const csv = join(dir, 'fer.csv');
    // disgust (1), happy (3) and neutral (6), each with held-out PublicTest faces.
    await writeSyntheticFer(csv, { 1: [8, 4], 3: [8, 4], 6: [12, 6] });
    const dataDir = join(dir, 'data');
    const version = await syntheticVersion(dataDir, csv);

    const missing = faceaug(['evaluate', '--run', '1', '--data-dir', dataDir]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /no training run 1/);

    const judged = faceaug(['judge', 'train', '--data', version, '--recipe', 'fast', '--width', '0.125', '--epochs', '1', '--batch-size', '8', '--data-dir', dataDir, '--backend', 'wasm', '--json']);
    assert.equal(judged.status, 0, judged.stderr);
    const { judge, metrics } = JSON.parse(judged.stdout) as { judge: { id: number; recipe: string }; metrics: { testImages: number; perClass: Record<string, { count: number }> } };
    assert.deepEqual([judge.id, judge.recipe, metrics.testImages], [1, 'fast', 14]);
    assert.deepEqual([metrics.perClass.disgust!.count, metrics.perClass.neutral!.count, metrics.perClass.angry!.count], [4, 6, 0]);

    const trained = faceaug(['train', '--data', version, '--target', 'disgust', '--data-dir', dataDir, ...TINY_GAN]);
    assert.equal(trained.status, 0, trained.stderr);
    const { runId, runDir, generatorStep } = JSON.parse(trained.stdout) as { runId: number; runDir: string; generatorStep: number };
    assert.match(trained.stderr, /step 8: judge reads [\d.]+% as disgust \(real: [\d.]+%\), SSIM [\d.]+, KID/);
    // The last step is evaluated as the run ends, and the rule's pick of 8 and 12 is what it registers.
    assert.deepEqual((await readdir(join(runDir, 'evaluations'))).filter((f) => f.endsWith('.json')), ['step-0000008.json', 'step-0000012.json']);
    const [at8, at12] = await Promise.all([8, 12].map(async (s) => JSON.parse(await readFile(join(runDir, 'evaluations', `step-00000${String(s).padStart(2, '0')}.json`), 'utf8'))));
    const { selectCheckpoint } = await import('../../trainer/evaluate/select-checkpoint.js');
    const { asCandidate } = await import('../../trainer/evaluate/evaluate-run.js');
    assert.equal(generatorStep, selectCheckpoint([at8, at12].map(asCandidate)).step);
    const record = JSON.parse(await readFile(join(runDir, 'run.json'), 'utf8')) as { generatorStep?: number };
    assert.equal(record.generatorStep, generatorStep === 12 ? undefined : generatorStep);

    // Snapshots at 4, 8 and the final 12; 8 and 12 were evaluated during training.
    const evaluated = faceaug(['evaluate', '--run', String(runId), '--count', '5', '--data-dir', dataDir, '--backend', 'wasm', '--json']);
    assert.equal(evaluated.status, 0, evaluated.stderr);
    const result = JSON.parse(evaluated.stdout) as {
      evaluated: Array<{ step: number; expression: { count: number; targetRate: number }; ceiling: { count: number }; identity: { ssim: number }; realism: { subsets: number } }>;
      best: { step: number };
    };
    assert.deepEqual(result.evaluated.map((q) => q.step), [4]);
    for (const q of result.evaluated) {
      assert.deepEqual([q.expression.count, q.ceiling.count, q.realism.subsets], [5, 4, 50]);
      assert.ok(q.expression.targetRate >= 0 && q.expression.targetRate <= 1);
      assert.ok(q.identity.ssim > -1 && q.identity.ssim <= 1);
    }
    assert.ok([4, 8, 12].includes(result.best.step));
    const grid = await sharp(join(runDir, 'evaluations', 'grid.png')).metadata();
    // Sources plus one row per evaluated step (4, 8, 12), 5 faces each, at twice the size.
    assert.ok(grid.height! >= 4 * 96 && grid.width! >= 5 * 96, `grid ${grid.width}x${grid.height}`);
    assert.ok((await readFile(join(runDir, 'evaluations', 'quality.png'))).length > 1000);

    // A shipped ONNX translator on the same held-out faces, for comparing a run with what is served.
    const shipped = faceaug(['evaluate', '--model', SHIPPED, '--data', version, '--count', '5', '--data-dir', dataDir, '--backend', 'wasm', '--json']);
    assert.equal(shipped.status, 0, shipped.stderr);
    const served = JSON.parse(shipped.stdout) as { model: string; target: string; expression: { count: number }; identity: { ssim: number } };
    assert.deepEqual([served.model, served.target, served.expression.count], [SHIPPED, 'disgust', 5]);
    const both = faceaug(['evaluate', '--run', String(runId), '--model', SHIPPED, '--data-dir', dataDir]);
    assert.equal(both.status, 1);
    assert.match(both.stderr, /either --run <id> or --model <dir>/);

    // A second judge's reading is kept beside the run's own, which the selection rule reads.
    const ownBefore = await readFile(join(runDir, 'evaluations', 'step-0000008.json'), 'utf8');
    const second = faceaug(['judge', 'train', '--data', version, '--recipe', 'fast', '--width', '0.125', '--epochs', '1', '--batch-size', '8', '--seed', '2', '--data-dir', dataDir, '--backend', 'wasm']);
    assert.equal(second.status, 0, second.stderr);
    const opinion = faceaug(['evaluate', '--run', String(runId), '--judge', '2', '--step', '8', '--count', '5', '--data-dir', dataDir, '--backend', 'wasm', '--json']);
    assert.equal(opinion.status, 0, opinion.stderr);
    assert.deepEqual((JSON.parse(opinion.stdout) as { evaluated: Array<{ step: number; judge: { id: number } }> }).evaluated.map((q) => [q.step, q.judge.id]), [[8, 2]]);
    assert.equal(await readFile(join(runDir, 'evaluations', 'step-0000008.json'), 'utf8'), ownBefore, "the run's own evaluation is untouched");
    assert.equal(JSON.parse(await readFile(join(runDir, 'evaluations', 'judge-2', 'step-0000008.json'), 'utf8')).judge.id, 2);
    assert.deepEqual((await readdir(join(runDir, 'evaluations', 'judge-2'))).sort(), ['grid.png', 'quality.png', 'step-0000008.json']);
    // Judge 2 is now the newest, but without --judge the run stays with the judge its rule reads.
    const again = faceaug(['evaluate', '--run', String(runId), '--step', '4', '--count', '5', '--data-dir', dataDir, '--backend', 'wasm', '--json']);
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual((JSON.parse(again.stdout) as { evaluated: Array<{ judge: { id: number } }> }).evaluated.map((q) => q.judge.id), [1]);

    // The same faces moved, turned and zoomed: a reading of its own, which the rule never reads.
    const shaken = faceaug(['evaluate', '--run', String(runId), '--step', '8', '--count', '5', '--jitter', '3,10,0.1', '--data-dir', dataDir, '--backend', 'wasm', '--json']);
    assert.equal(shaken.status, 0, shaken.stderr);
    const jittered = JSON.parse(await readFile(join(runDir, 'evaluations', 'jitter-3,10,0.1', 'judge-1', 'step-0000008.json'), 'utf8')) as { sources: { jitter: unknown }; identity: { ssim: number } };
    assert.deepEqual(jittered.sources.jitter, { shift: 3, degrees: 10, scale: 0.1 });
    assert.notEqual(jittered.identity.ssim, JSON.parse(ownBefore).identity.ssim, 'other source faces, other figures');
    assert.equal(await readFile(join(runDir, 'evaluations', 'step-0000008.json'), 'utf8'), ownBefore);
    const pickShaken = faceaug(['evaluate', '--run', String(runId), '--jitter', '3,10,0.1', '--register-best', '--data-dir', dataDir]);
    assert.equal(pickShaken.status, 1);
    assert.match(pickShaken.stderr, /leave out --jitter/);

    const noSnapshot = faceaug(['evaluate', '--run', String(runId), '--step', '5', '--data-dir', dataDir]);
    assert.equal(noSnapshot.status, 1);
    assert.match(noSnapshot.stderr, /no generator snapshot at step 5 \(snapshots: 4, 8, 12\)/);
    const badEvery = faceaug(['train', '--data', version, '--target', 'disgust', '--data-dir', dataDir, '--snapshot-every', '4', '--evaluate-every', '6']);
    assert.equal(badEvery.status, 1);
    assert.match(badEvery.stderr, /--evaluate-every 6 must be a multiple of --snapshot-every 4/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('judge train takes one network of a recipe of several, and refuses --members above 1', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'faceaug-judge-'));
  try {
    const dataDir = join(dir, 'data');
    const help = faceaug(['judge', 'train', '--help']);
    assert.match(help.stdout.replace(/\s+/g, ' '), /--members <n> judge: classifiers trained from different seeds, .* \(default here: 1, whatever the recipe\)/);
    // strong averages two networks; a judge of it is one, so it gets as far as looking up the data.
    const strong = faceaug(['judge', 'train', '--data', 'nowhere', '--recipe', 'strong', '--data-dir', dataDir]);
    assert.notEqual(strong.status, 0);
    assert.match(strong.stderr, /no data set version 'nowhere'/);
    const ensemble = faceaug(['judge', 'train', '--data', 'nowhere', '--members', '2', '--data-dir', dataDir]);
    assert.notEqual(ensemble.status, 0);
    assert.match(ensemble.stderr, /a judge is a single classifier exported to ONNX: --members 2 is not supported/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
