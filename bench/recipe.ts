/**
 * npm run bench:recipe -- --data <version> [classifier flags: --recipe fast --epochs 8 ...] [--json]
 *
 * Trains one classifier with a recipe on a data set version's validation pool (every kept image
 * outside the fixed test set that `faceaug validate` builds: 100 per class, seed 1) and scores it
 * on that test set after every epoch: image-epochs, wall time, mean AUC and accuracy, one JSON
 * line per epoch. With FACEAUG_DATA_DIR pointing at an imported FER2013.
 */
import { Command } from 'commander';
import { readSetting } from '../core/config.js';
import { NUM_EXPRESSIONS } from '../core/expressions.js';
import { initBackend } from '../trainer/tfjs/backend.js';
import { loadDataset } from '../trainer/data/dataset-store.js';
import { findVersion } from '../trainer/data/version-store.js';
import { selectTestSet } from '../trainer/validate/plan.js';
import { classificationMetrics } from '../trainer/validate/metrics.js';
import { buildClassifier } from '../trainer/classifier/cnn.js';
import { predictProbabilities, trainClassifier } from '../trainer/classifier/train.js';
import { disposeNetwork } from '../trainer/networks/network.js';
import { addClassifierOptions, classifierFlags } from '../cli/classifier-options.js';

const command = new Command()
  .requiredOption('--data <version>', 'data set version (or data set id) whose kept images to use')
  .option('--seed <n>', 'seed of the test set and the classifier', (raw) => Number(raw), 1)
  .option('--test-per-class <n>', 'fixed test set images per class', (raw) => Number(raw), 100);
addClassifierOptions(command).parse();
const flags = command.opts();
const settings = classifierFlags(flags);
const dataDir = readSetting('dataDir');

const version = await findVersion(dataDir, flags.data);
const dataset = await loadDataset(dataDir, version?.datasetId ?? flags.data);
const kept = version?.kept ?? Array.from(dataset.labels.keys());
const { test, pool } = selectTestSet(dataset.labels, dataset.usage, kept, flags.testPerClass, flags.seed);
const backend = await initBackend();
const net = buildClassifier({ width: settings.width }, flags.seed);
const started = performance.now();
let scoringMs = 0;
try {
  await trainClassifier(net, dataset.pixels, dataset.labels, pool, {
    ...settings,
    seed: flags.seed,
    onEpoch: (epoch) => {
      const scoring = performance.now();
      const metrics = classificationMetrics(predictProbabilities(net, dataset.pixels, test, 256), test.map((i) => dataset.labels[i]!), NUM_EXPRESSIONS);
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
          meanAuc: Math.round(metrics.meanAuc * 10_000) / 10_000,
          accuracy: Math.round(metrics.accuracy * 10_000) / 10_000,
        }),
      );
    },
  });
} finally {
  disposeNetwork(net);
}
