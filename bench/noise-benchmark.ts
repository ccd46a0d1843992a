/**
 * npm run bench:noise -- --data <version> [--noise uniform|class-conditional] [--rate 0.1] [--limit <n>]
 *   [--budgets 0.05,0.1,0.15,0.2] [--scope global|per-class] [--methods confidence,...] [--plot <png>]
 *   [--retrain [--retrain-budget 0.1]] [--folds 5] [--seed 1] [classifier flags: --recipe quick --epochs 5 ...]
 *   [--export <dir>]
 *
 * Evidence for issue 16: how well each filter finds label noise whose answer is known. It takes
 * a version's kept Training images (a seeded stratified `--limit` of them for a quick trial),
 * flips `--rate` of each class's labels (trainer/filter/noise-injection.ts) and scores every image
 * on the noisy labels as the filters do:
 *
 * - `confidence`: out-of-fold p(given label) (self-confidence);
 * - `cl-margin`: confident learning's normalized margin, the ranking of `--prune-by margin`;
 * - `cl-noise-rate`: confident learning's prune-by-noise-rate, a set whose size the method
 *   decides: one point, at its own budget;
 * - `gaussian`: log-likelihood of the face-api embedding under the noisy class's Gaussian;
 * - `random`: seeded random scores, the baseline any filter must beat (precision = noise rate).
 *
 * A budget is the share of the images removed, lowest scores first: over the whole set by
 * default (`--scope global`), or of each class (`per-class`, as `data filter --top-percent`).
 * One JSON line per result on stdout, progress on stderr: `setup` (the noise), `scores` (their
 * cost), `ranking` (per method, the AUC of its score for telling flipped from clean: 0.5 is
 * chance), `detection` (per method and budget: removed, found, precision = found / removed,
 * recall = found / flipped), and with `--retrain`, `retrain`: per method a classifier trained on
 * what it keeps at `--retrain-budget` (noisy labels), scored on the version's PublicTest images
 * with their true labels, beside `none` (all noisy images) and `oracle` (exactly the flips
 * removed), each with the same seed. `--plot` draws recall against budget. The out-of-fold
 * probabilities are cached beside the data set under a key that includes the noisy labels; with
 * FACEAUG_DATA_DIR pointing at an imported FER2013.
 *
 * `--export <dir>` scores nothing: it writes the noisy images (pool.px/pool.lb, the flipped labels;
 * pool.flipped, a byte each, 1 where flipped) and the PublicTest images (test.px/test.lb) for
 * bench/torch_noise_detection.py, which runs the out-of-fold rankings in PyTorch, on a GPU where
 * there is one, to search classifier settings for this benchmark faster than faceaug can.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { readSetting } from '../core/config.js';
import { EXPRESSIONS, NUM_EXPRESSIONS } from '../core/expressions.js';
import { integer, listOf, number, oneOf } from '../core/parsers.js';
import { seededRandom } from '../core/random.js';
import { addClassifierOptions, classifierFlags } from '../cli/classifier-options.js';
import { stageProgress } from '../cli/progress.js';
import { disposeEnsemble, ensembleProbabilities, trainEnsemble } from '../trainer/classifier/ensemble.js';
import { countBy, imagesAt, loadDataset } from '../trainer/data/dataset-store.js';
import { usageIndex } from '../trainer/data/format.js';
import { stratifiedSubset } from '../trainer/data/stratified-subset.js';
import { findVersion } from '../trainer/data/version-store.js';
import { FILTER_DEFAULTS } from '../trainer/filter/confidence-scores.js';
import { estimateLabelNoise, normalizedMargin, pruneByNoiseRate, selfConfidence } from '../trainer/filter/confident-learning.js';
import { datasetEmbeddings } from '../trainer/filter/embedding-cache.js';
import { gaussianScores } from '../trainer/filter/gaussian-scores.js';
import { BUDGET_SCOPES, detection, removedAtBudget } from '../trainer/filter/noise-detection.js';
import { injectLabelNoise, NOISE_KINDS } from '../trainer/filter/noise-injection.js';
import { cachedOutOfFoldProbabilities } from '../trainer/filter/out-of-fold-cache.js';
import { mixSeed } from '../trainer/gan/domains.js';
import { EMBEDDINGS, type EmbeddingName, embedFaces, parseEmbeddingName } from '../trainer/networks/face-embedding.js';
import { linePlotPng, type Series } from '../trainer/report/line-plot.js';
import { initBackend } from '../trainer/tfjs/backend.js';
import { classificationMetrics, rocAuc } from '../trainer/validate/metrics.js';
import { exportFaces } from './export-faces.js';

const METHODS = ['confidence', 'cl-margin', 'cl-noise-rate', 'gaussian', 'random'] as const;
type Method = (typeof METHODS)[number];
/** The methods that rank every image; cl-noise-rate picks a set instead. */
type Ranking = Exclude<Method, 'cl-noise-rate'>;
const OUT_OF_FOLD: readonly Method[] = ['confidence', 'cl-margin', 'cl-noise-rate'];

const share = (name: string) => number(name, (v) => v > 0 && v < 1);
const budgetList = (raw: string) => {
  const values = raw.split(',').map((item) => item.trim()).filter((item) => item !== '').map(share('budget'));
  if (values.length === 0) throw new Error(`invalid budgets '${raw}' (expected shares in (0, 1), e.g. 0.05,0.1)`);
  return [...new Set(values)].sort((a, b) => a - b);
};

const command = new Command()
  .requiredOption('--data <version>', 'data set version (or data set id) whose kept Training images get the noise')
  .option('--noise <kind>', `${NOISE_KINDS.join(' or ')} (class-conditional: each class into one confusion partner)`, oneOf('noise', NOISE_KINDS), 'uniform')
  .option('--rate <share>', 'share of each class whose label is flipped', share('rate'), 0.1)
  .option('--limit <n>', 'use a seeded stratified subset of this many Training images (a quick trial; embeds only those)', integer('limit', 1))
  .option('--budgets <list>', 'shares of the images to remove, lowest scores first (comma-separated)', budgetList, [0.05, 0.1, 0.15, 0.2])
  .option('--scope <scope>', `what a budget is a share of: ${BUDGET_SCOPES.join(' or ')} (each class on its own)`, oneOf('scope', BUDGET_SCOPES), 'global')
  .option('--methods <list>', `filters to score (${METHODS.join(', ')})`, listOf('methods', METHODS), [...METHODS])
  .option('--plot <file>', 'write a PNG of recall against budget per method')
  .option('--retrain', 'train one classifier per method on what it keeps at --retrain-budget and score it on the PublicTest images')
  .option('--retrain-budget <share>', 'budget of the --retrain classifiers', share('retrain budget'), 0.1)
  .option('--folds <k>', 'folds of the out-of-fold probabilities', integer('folds', 2), 5)
  .option('--seed <n>', 'seed of the subset, the noise, the folds, the classifiers and the random baseline', integer('seed', 0), 1)
  .option('--embedding <name>', `gaussian: face-api network (${Object.keys(EMBEDDINGS).join(', ')})`, parseEmbeddingName, 'expression')
  .option('--shrinkage <weight>', 'gaussian: covariance shrinkage toward tr(S)/d I, 0-1', number('shrinkage', (v) => v >= 0 && v <= 1), 0.1)
  .option('--ridge <value>', 'gaussian: added to the covariance diagonal', number('ridge', (v) => v >= 0), 1e-6)
  .option('--export <dir>', 'write the noisy images and PublicTest for bench/torch_noise_detection.py instead of scoring');
addClassifierOptions(command, 'out-of-fold and --retrain classifiers: ', FILTER_DEFAULTS);

const round = (x: number) => Math.round(x * 10_000) / 10_000;
const seconds = (since: number) => Math.round((performance.now() - since) / 100) / 10;

async function main(): Promise<void> {
  const flags = command.parse().opts();
  const settings = classifierFlags(flags, FILTER_DEFAULTS);
  const methods = flags.methods as Method[];
  const embedding = flags.embedding as EmbeddingName;
  const dataDir = readSetting('dataDir');
  const version = await findVersion(dataDir, flags.data);
  const dataset = await loadDataset(dataDir, version?.datasetId ?? flags.data);
  const kept = version?.kept ?? Array.from(dataset.labels.keys());
  const training = kept.filter((i) => dataset.usage[i] === usageIndex('Training'));
  const testRows = kept.filter((i) => dataset.usage[i] === usageIndex('PublicTest'));
  if (training.length === 0) throw new Error(`${flags.data} keeps no Training images`);
  if (flags.retrain && testRows.length === 0) throw new Error(`--retrain scores on the PublicTest images, and ${flags.data} keeps none`);

  // Rows are data set rows; everything else is by position in `rows`.
  const rows = flags.limit === undefined ? training : stratifiedSubset(training, dataset.labels, flags.limit, mixSeed(flags.seed, 1));
  const positions = rows.map((_, p) => p);
  const trueLabels = Uint8Array.from(rows, (i) => dataset.labels[i]!);
  const noise = injectLabelNoise(trueLabels, flags.noise, flags.rate, mixSeed(flags.seed, 2));
  const flipped = new Set(noise.flipped);
  /** The data set's labels with the flips, indexed by data set row, for the classifiers. */
  const noisyLabels = Uint8Array.from(dataset.labels);
  rows.forEach((i, p) => (noisyLabels[i] = noise.labels[p]!));

  if (flags.export) {
    await exportFaces(flags.export, dataset.pixels, { pool: { rows, labels: noisyLabels }, test: { rows: testRows, labels: dataset.labels } });
    await writeFile(join(flags.export, 'pool.flipped'), Uint8Array.from(positions, (p) => (flipped.has(p) ? 1 : 0)));
    console.error(`wrote ${rows.length} images (${flipped.size} flipped) and ${testRows.length} PublicTest images to ${flags.export}`);
    return;
  }

  const run = { bench: 'noise', data: version?.id ?? dataset.manifest.id, noise: flags.noise, rate: flags.rate, seed: flags.seed, images: rows.length };
  const print = (line: Record<string, unknown>) => console.log(JSON.stringify({ ...run, ...line }));
  const backend = await initBackend();
  print({
    stage: 'setup',
    flipped: flipped.size,
    perClass: countBy(trueLabels, EXPRESSIONS),
    flippedPerClass: countBy(Uint8Array.from(noise.flipped, (p) => trueLabels[p]!), EXPRESSIONS),
    scope: flags.scope,
    folds: flags.folds,
    backend: backend.choice,
    ...settings,
  });

  const ranked = new Map<Ranking, Float64Array>();
  let noiseRateSet: number[] | undefined;
  const cost: Record<string, number> = {};
  if (methods.some((m) => OUT_OF_FOLD.includes(m))) {
    const started = performance.now();
    const params = { folds: flags.folds, seed: flags.seed, ...settings };
    const { candidates: probabilities } = await cachedOutOfFoldProbabilities(dataDir, dataset, rows, [], params, () => stageProgress(`out-of-fold training (${flags.folds} folds)`, false), noisyLabels);
    cost.outOfFoldSeconds = seconds(started);
    if (methods.includes('confidence')) ranked.set('confidence', selfConfidence(noise.labels, probabilities));
    if (methods.includes('cl-margin')) ranked.set('cl-margin', normalizedMargin(noise.labels, probabilities));
    if (methods.includes('cl-noise-rate')) noiseRateSet = pruneByNoiseRate(noise.labels, probabilities, estimateLabelNoise(noise.labels, probabilities).prune);
  }
  if (methods.includes('gaussian')) {
    const started = performance.now();
    const embeddings = await embed(rows);
    const regularisation = { shrinkage: flags.shrinkage, ridge: flags.ridge };
    ranked.set('gaussian', gaussianScores(embeddings, EMBEDDINGS[embedding].dim, noise.labels, positions, positions, regularisation));
    cost.gaussianSeconds = seconds(started);
  }
  if (methods.includes('random')) {
    const random = seededRandom(mixSeed(flags.seed, 3));
    ranked.set('random', Float64Array.from(positions, () => random()));
  }
  print({ stage: 'scores', ...cost });

  const flippedMask = positions.map((p) => flipped.has(p));
  const removedBy = (scores: Float64Array, budget: number) => removedAtBudget(positions, noise.labels, scores, budget, flags.scope);
  const series: Series[] = [];
  for (const [method, scores] of ranked) {
    // The AUC of -score: the chance that a flipped image scores below a clean one.
    print({ stage: 'ranking', method, flippedAuc: round(rocAuc(scores.map((s) => -s), flippedMask)) });
    const points: Array<[number, number]> = [];
    for (const budget of flags.budgets as number[]) {
      const found = detection(removedBy(scores, budget), flipped);
      print({ stage: 'detection', method, scope: flags.scope, budget, ...rounded(found) });
      points.push([budget * 100, found.recall]);
    }
    series.push({ name: method, points, marker: true });
  }
  if (noiseRateSet) {
    const found = detection(noiseRateSet, flipped);
    const budget = noiseRateSet.length / rows.length;
    print({ stage: 'detection', method: 'cl-noise-rate', scope: 'own', budget: round(budget), ...rounded(found) });
    series.push({ name: 'cl-noise-rate', points: [[budget * 100, found.recall]], marker: true });
  }
  if (flags.plot) {
    const widest = Math.max(...(flags.budgets as number[]), ...series.flatMap((s) => s.points.map(([x]) => x / 100)));
    const title = `Finding ${Math.round((flipped.size / rows.length) * 1000) / 10}% ${flags.noise} label flips among ${rows.length} images (${flags.scope} budget)`;
    await writeFile(flags.plot, await recallPlot(series, flipped.size / rows.length, widest, title));
    console.error(`wrote ${flags.plot}`);
  }

  if (!flags.retrain) return;
  const removals = new Map<string, readonly number[]>([
    ['none', []],
    ['oracle', noise.flipped],
    ...[...ranked].map(([method, scores]) => [method, removedBy(scores, flags.retrainBudget)] as const),
    ...(noiseRateSet ? [['cl-noise-rate', noiseRateSet] as const] : []),
  ]);
  const truth = testRows.map((i) => dataset.labels[i]!);
  for (const [method, removed] of removals) {
    const started = performance.now();
    const gone = new Set(removed);
    const trainRows = positions.filter((p) => !gone.has(p)).map((p) => rows[p]!);
    const nets = await trainEnsemble(settings, dataset.pixels, noisyLabels, trainRows, { seed: flags.seed, onBatch: stageProgress(`retrain ${method}`, false) });
    try {
      const metrics = classificationMetrics(ensembleProbabilities(nets, dataset.pixels, testRows, settings), truth, NUM_EXPRESSIONS);
      // The ranking methods remove their budget; the others what they decide (oracle: the noise share).
      const budget = ranked.has(method as Ranking) ? flags.retrainBudget : round(removed.length / rows.length);
      print({
        stage: 'retrain',
        method,
        budget,
        ...rounded(detection(removed, flipped)),
        trainImages: trainRows.length,
        testImages: testRows.length,
        accuracy: round(metrics.accuracy),
        meanAuc: round(metrics.meanAuc),
        seconds: seconds(started),
      });
    } finally {
      disposeEnsemble(nets);
    }
  }

  /** Embeddings of `rows`, by position. A trial embeds only its images; a full run reads (or first computes) the data set's cache. */
  async function embed(indices: readonly number[]): Promise<Float32Array> {
    const { dim } = EMBEDDINGS[embedding];
    const onProgress = stageProgress(`embedding (${embedding})`, false);
    if (flags.limit !== undefined) return embedFaces(embedding, imagesAt(dataset, indices), indices.length, { onProgress });
    const all = await datasetEmbeddings(dataDir, dataset, embedding, { onProgress });
    const out = new Float32Array(indices.length * dim);
    indices.forEach((i, p) => out.set(all.subarray(i * dim, (i + 1) * dim), p * dim));
    return out;
  }
}

const rounded = (d: ReturnType<typeof detection>) => ({ removed: d.removed, found: d.found, precision: round(d.precision), recall: round(d.recall) });

/** Recall against budget, with the ideal filter's (every flip before any clean image) for scale. */
function recallPlot(series: Series[], noiseShare: number, maxBudget: number, title: string): Promise<Buffer> {
  const ideal: Array<[number, number]> = maxBudget > noiseShare ? [[0, 0], [noiseShare * 100, 1], [maxBudget * 100, 1]] : [[0, 0], [maxBudget * 100, maxBudget / noiseShare]];
  return linePlotPng([...series, { name: 'ideal', points: ideal }], {
    title,
    xLabel: 'budget: % of the images removed, lowest scores first',
    yLabel: 'recall of the flipped images',
  });
}

try {
  await main();
} catch (error) {
  console.error(`bench:noise: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
