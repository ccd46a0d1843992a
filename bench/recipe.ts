/**
 * npm run bench:recipe -- --data <version> [classifier flags: --recipe fast --epochs 8 ...] [--json]
 *
 * Trains one classifier with a recipe on a data set version's validation pool (every kept image
 * outside the fixed test set that `faceaug validate` builds: 100 per class, seed 1) and scores it
 * on that test set after every epoch: image-epochs, wall time, mean AUC, accuracy and each class's recall, one JSON
 * line per epoch, with the mean AUC and accuracy of the same network under each test-time
 * augmentation in `testViews` (plain, mirrored, mirrored and moved by 1 or 2 px), so one run says
 * what each adds. With FACEAUG_DATA_DIR pointing at an imported FER2013.
 *
 * `--export <dir>` trains nothing: it writes that pool and test set (pool.px/test.px: 48x48 grey
 * bytes per image, pool.lb/test.lb: a label byte each) for bench/torch_classifier_recipe.py, which
 * runs the same recipes in PyTorch on the same images.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { readSetting } from '../core/config.js';
import { EXPRESSIONS, NUM_EXPRESSIONS } from '../core/expressions.js';
import { initBackend } from '../trainer/tfjs/backend.js';
import { loadDataset } from '../trainer/data/dataset-store.js';
import { findVersion } from '../trainer/data/version-store.js';
import { selectTestSet } from '../trainer/validate/plan.js';
import { classificationMetrics } from '../trainer/validate/metrics.js';
import { buildClassifier } from '../trainer/classifier/cnn.js';
import { predictProbabilities, trainClassifier } from '../trainer/classifier/train.js';
import { disposeNetwork } from '../trainer/networks/network.js';
import { addClassifierOptions, classifierFlags } from '../cli/classifier-options.js';
import { FACE_PIXELS } from '../core/image-codec.js';
import type { TestAugmentation } from '../trainer/classifier/test-views.js';

/** The test-time augmentations every epoch is also scored with. */
const READINGS: Record<string, TestAugmentation> = {
  plain: { testFlip: false, testShift: 0 },
  flip: { testFlip: true, testShift: 0 },
  'flip+shift1': { testFlip: true, testShift: 1 },
  'flip+shift2': { testFlip: true, testShift: 2 },
};
const round = (value: number) => Math.round(value * 10_000) / 10_000;

const command = new Command()
  .requiredOption('--data <version>', 'data set version (or data set id) whose kept images to use')
  .option('--seed <n>', 'seed of the test set and the classifier', (raw) => Number(raw), 1)
  .option('--test-per-class <n>', 'fixed test set images per class', (raw) => Number(raw), 100)
  .option('--export <dir>', 'write the pool and test set for bench/torch_classifier_recipe.py instead of training');
addClassifierOptions(command).parse();
const flags = command.opts();
const settings = classifierFlags(flags);
const dataDir = readSetting('dataDir');

const version = await findVersion(dataDir, flags.data);
const dataset = await loadDataset(dataDir, version?.datasetId ?? flags.data);
const kept = version?.kept ?? Array.from(dataset.labels.keys());
const { test, pool } = selectTestSet(dataset.labels, dataset.usage, kept, flags.testPerClass, flags.seed);
if (flags.export) {
  await exportSplit(flags.export, { pool, test });
  process.exit(0);
}
const backend = await initBackend();
const net = buildClassifier(settings, flags.seed);
const truth = test.map((i) => dataset.labels[i]!);
const started = performance.now();
let scoringMs = 0;
try {
  await trainClassifier(net, dataset.pixels, dataset.labels, pool, {
    ...settings,
    seed: flags.seed,
    onEpoch: (epoch) => {
      const scoring = performance.now();
      const score = (augmentation: TestAugmentation) => classificationMetrics(predictProbabilities(net, dataset.pixels, test, 256, augmentation), truth, NUM_EXPRESSIONS);
      const scored = Object.entries(READINGS).map(([name, augmentation]) => ({ name, augmentation, metrics: score(augmentation) }));
      const own = scored.find(({ augmentation }) => augmentation.testFlip === settings.testFlip && augmentation.testShift === settings.testShift);
      const metrics = own?.metrics ?? score(settings);
      const readings = Object.fromEntries(scored.map(({ name, metrics: m }) => [name, { meanAuc: round(m.meanAuc), accuracy: round(m.accuracy) }]));
      scoringMs += performance.now() - scoring;
      console.log(
        JSON.stringify({
          bench: 'recipe',
          data: version?.id ?? dataset.manifest.id,
          backend: backend.choice,
          ...settings,
          epoch,
          trainImages: pool.length,
          imageEpochs: epoch * pool.length,
          trainSeconds: Math.round((performance.now() - started - scoringMs) / 100) / 10,
          meanAuc: round(metrics.meanAuc),
          accuracy: round(metrics.accuracy),
          recall: Object.fromEntries(EXPRESSIONS.map((e, c) => [e, Math.round(metrics.recall[c]! * 100) / 100])),
          testViews: readings,
        }),
      );
    },
  });
} finally {
  disposeNetwork(net);
}

async function exportSplit(dir: string, sets: Record<'pool' | 'test', number[]>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, indices] of Object.entries(sets)) {
    const pixels = new Uint8Array(indices.length * FACE_PIXELS);
    indices.forEach((i, n) => pixels.set(dataset.pixels.subarray(i * FACE_PIXELS, (i + 1) * FACE_PIXELS), n * FACE_PIXELS));
    await writeFile(join(dir, `${name}.px`), pixels);
    await writeFile(join(dir, `${name}.lb`), Uint8Array.from(indices, (i) => dataset.labels[i]!));
  }
  console.log(`wrote ${sets.pool.length} pool and ${sets.test.length} test images to ${dir}`);
}
