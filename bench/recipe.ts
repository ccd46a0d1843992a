/**
 * npm run bench:recipe -- --data <version> [classifier flags: --recipe fast --epochs 8 ...] [--json]
 *
 * Trains one classifier with a recipe on a data set version's validation pool (every kept image
 * outside the fixed test set that `faceaug validate` builds: 100 per class, seed 1) and scores it
 * on that test set after every epoch: image-epochs, wall time, mean AUC, accuracy and each class's recall, one JSON
 * line per epoch, with the mean AUC and accuracy of the same network under each test-time
 * augmentation in `testViews` (plain, mirrored, mirrored and moved by 1 or 2 px), so one run says
 * what each adds. With `--members n` the members train one after the other, each line says whose
 * epoch it is, and from the second member on `ensemble` reads the mean of every member so far at
 * that epoch. With FACEAUG_DATA_DIR pointing at an imported FER2013.
 *
 * `--export <dir>` trains nothing: it writes that pool and test set (pool.px/test.px: 48x48 grey
 * bytes per image, pool.lb/test.lb: a label byte each) for bench/torch_classifier_recipe.py, which
 * runs the same recipes in PyTorch on the same images.
 */
import { Command } from 'commander';
import { readSetting } from '../core/config.js';
import { EXPRESSIONS, NUM_EXPRESSIONS } from '../core/expressions.js';
import { initBackend } from '../trainer/tfjs/backend.js';
import { loadDataset } from '../trainer/data/dataset-store.js';
import { findVersion } from '../trainer/data/version-store.js';
import { selectTestSet } from '../trainer/validate/plan.js';
import { classificationMetrics } from '../trainer/validate/metrics.js';
import { predictProbabilities } from '../trainer/classifier/train.js';
import { disposeEnsemble, trainEnsemble } from '../trainer/classifier/ensemble.js';
import { addClassifierOptions, classifierFlags } from '../cli/classifier-options.js';
import type { TestAugmentation } from '../trainer/classifier/test-views.js';
import { exportFaces } from './export-faces.js';

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
  await exportFaces(flags.export, dataset.pixels, { pool: { rows: pool, labels: dataset.labels }, test: { rows: test, labels: dataset.labels } });
  console.log(`wrote ${pool.length} pool and ${test.length} test images to ${flags.export}`);
  process.exit(0);
}
const backend = await initBackend();
const truth = test.map((i) => dataset.labels[i]!);
const started = performance.now();
let scoringMs = 0;
/** Each earlier member's probabilities on the test set by epoch and reading, for the ensemble's lines. */
const earlier: Array<Map<number, Map<string, Float32Array>>> = [];
const readingsOf = (probabilities: Map<string, Float32Array>) =>
  Object.fromEntries([...probabilities].map(([name, p]) => {
    const m = classificationMetrics(p, truth, NUM_EXPRESSIONS);
    return [name, { meanAuc: round(m.meanAuc), accuracy: round(m.accuracy) }];
  }));
const ownReading = Object.entries(READINGS).find(([, a]) => a.testFlip === settings.testFlip && a.testShift === settings.testShift)?.[0];
if (!ownReading) throw new Error(`bench:recipe reads the views ${Object.keys(READINGS).join(', ')}; the recipe's own (--test-shift ${settings.testShift}) is not one of them`);
const nets = await trainEnsemble(settings, dataset.pixels, dataset.labels, pool, {
  seed: flags.seed,
  onEpoch: (member, epoch, net) => {
    const scoring = performance.now();
    const probabilities = new Map(Object.entries(READINGS).map(([name, augmentation]) => [name, predictProbabilities(net, dataset.pixels, test, 256, augmentation)]));
    if (member === earlier.length) earlier.push(new Map());
    earlier[member]!.set(epoch, probabilities);
    const metrics = classificationMetrics(probabilities.get(ownReading)!, truth, NUM_EXPRESSIONS);
    // The mean of every member so far at the same epoch: what an ensemble of that many would read.
    const ensemble = member === 0 ? undefined : readingsOf(new Map([...probabilities.keys()].map((name) => {
      const sum = new Float32Array(test.length * NUM_EXPRESSIONS);
      for (const byEpoch of earlier) byEpoch.get(epoch)!.get(name)!.forEach((p, k) => (sum[k]! += p / earlier.length));
      return [name, sum];
    })));
    scoringMs += performance.now() - scoring;
    console.log(
      JSON.stringify({
        bench: 'recipe',
        data: version?.id ?? dataset.manifest.id,
        backend: backend.choice,
        ...settings,
        member,
        epoch,
        trainImages: pool.length,
        imageEpochs: (member * settings.epochs + epoch) * pool.length,
        trainSeconds: Math.round((performance.now() - started - scoringMs) / 100) / 10,
        meanAuc: round(metrics.meanAuc),
        accuracy: round(metrics.accuracy),
        recall: Object.fromEntries(EXPRESSIONS.map((e, c) => [e, Math.round(metrics.recall[c]! * 100) / 100])),
        testViews: readingsOf(probabilities),
        ...(ensemble && { ensemble: { members: earlier.length, ...ensemble[ownReading], testViews: ensemble } }),
      }),
    );
  },
});
disposeEnsemble(nets);
