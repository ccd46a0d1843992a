/**
 * npm run bench:study -- --data <version> --export <dir> [--targets disgust,surprise] [--counts 100,200,500]
 *   [--select-from 1000] [--gated-counts 100,200,500] [--folds 10] [--repeats 1] [--seed 1] [--test-per-class 100] [classifier flags]
 * npm run bench:study -- --results <dir>[,<dir>...] --plan <export dir> [--json]
 *
 * The study's experiment (issue 15): does +100, +200 or +500 synthetic faces of the shipped
 * translators (`models/neutral-to-<target>/model.onnx`) help a classifier, with and without the
 * quality gate, over a validation's repeated k-fold protocol? Every classifier of it at the
 * default `strong` recipe is ~1.9 CPU-hours here, so the training runs elsewhere:
 *
 * - `--export <dir>` plans it with the validation's own code (the fixed test set, the folds and
 *   their seeds: trainer/validate/plan.ts), translates `--select-from` seeded Training faces of
 *   the source expression per target with the shipped ONNX generator, and writes what
 *   bench/torch_validation.py needs: the kept faces (faces.px/faces.lb), candidates-<target>.px
 *   and plan.json (positions into faces.px).
 * - bench/torch_validation.py trains every fold's baseline and augmented classifiers in PyTorch
 *   on a GPU (faceaug's network and recipe, members seeded as trainer/classifier/ensemble.ts
 *   seeds them), the quality gate's classifier too, and writes each arm's probabilities.
 * - `--results <dir>` turns those probabilities into the validation's figures with its own code
 *   (metrics.ts, verdict.ts: paired t, Nadeau-Bengio corrected t, bootstrap, the verdict rule) and
 *   prints one table in the study's form, or JSON lines with `--json`.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { Command } from 'commander';
import { readSetting } from '../core/config.js';
import { EXPRESSIONS, NUM_EXPRESSIONS, type Expression, expressionLabel } from '../core/expressions.js';
import { FACE_PIXELS, FACE_SIZE, ONNX_INPUT, ONNX_OUTPUT, fromUnitRange } from '../core/image-codec.js';
import { integer, listOf } from '../core/parsers.js';
import { seededRandom, shuffle } from '../core/random.js';
import { addClassifierOptions, classifierFlags } from '../cli/classifier-options.js';
import { type Dataset, loadDataset } from '../trainer/data/dataset-store.js';
import { findVersion } from '../trainer/data/version-store.js';
import { domainImages, gatherImages } from '../trainer/gan/domains.js';
import type { FoldResult } from '../trainer/validate/fold-task.js';
import { classificationMetrics } from '../trainer/validate/metrics.js';
import { planFolds, selectTestSet } from '../trainer/validate/plan.js';
import { DEFAULT_RULE, type SetSummary, decide, summarizeSet } from '../trainer/validate/verdict.js';
import { exportFaces } from './export-faces.js';

const SOURCE: Expression = 'neutral';

const command = new Command()
  .option('--data <version>', 'data set version to validate on (with --export)')
  .option('--export <dir>', 'plan the experiment and write what bench/torch_validation.py trains on')
  .option('--results <dirs>', "report the experiment from bench/torch_validation.py's results in <dirs> (comma-separated: runs merged)", (raw) => raw.split(','))
  .option('--plan <dir>', 'with --results: the --export directory the results were trained from')
  .option('--targets <list>', 'target expressions, each with a shipped translator in models/', listOf('targets', EXPRESSIONS), ['disgust', 'surprise'])
  .option('--counts <list>', 'synthetic images added per augmented arm', (raw) => raw.split(',').map(integer('count', 1)), [100, 200, 500])
  .option('--select-from <n>', 'candidates generated per target, of which the gated arms keep the ones the gate classifier finds most target-like', integer('select-from', 1), 1000)
  .option('--gated-counts <list>', 'counts that also get a gated arm (default: every --counts; trained after the plain arms)', (raw) => raw.split(',').map(integer('gated count', 1)))
  .option('--folds <k>', 'folds per repeat', integer('folds', 2), 10)
  .option('--repeats <n>', 'repeats of the k folds', integer('repeats', 1), 1)
  .option('--seed <n>', 'seed of the test set, the folds, the classifiers and the choice of source faces', integer('seed', 0), 1)
  .option('--test-per-class <n>', 'fixed test set images per class', integer('test-per-class', 1), 100)
  .option('--json', 'print JSON lines instead of a table');
addClassifierOptions(command, 'classifiers: ');

const translatorPath = (target: Expression) => join('models', `${SOURCE}-to-${target}`, 'model.onnx');

/** The shipped translator's output for `count` faces of a seeded shuffle of the source's Training faces, as generateImages picks them. */
async function translate(dataset: Dataset, kept: readonly number[], target: Expression, count: number, seed: number): Promise<Uint8Array> {
  const sources = domainImages(dataset, kept, SOURCE, 'Training');
  if (count > sources.count) throw new Error(`--select-from ${count} exceeds the ${sources.count} ${SOURCE} Training faces`);
  const picks = shuffle(Array.from({ length: sources.count }, (_, i) => i), seededRandom(seed)).slice(0, count);
  const session = await ort.InferenceSession.create(translatorPath(target));
  const out = new Uint8Array(count * FACE_PIXELS);
  try {
    for (let start = 0; start < count; start += 64) {
      const batch = picks.slice(start, start + 64);
      const input = new ort.Tensor('float32', gatherImages(sources, batch), [batch.length, 1, FACE_SIZE, FACE_SIZE]);
      const output = (await session.run({ [ONNX_INPUT]: input }))[ONNX_OUTPUT]!.data as Float32Array;
      out.set(fromUnitRange(output, 0, output.length), start * FACE_PIXELS);
    }
  } finally {
    await session.release();
  }
  return out;
}

/** What --export would fail on late, refused before any work. */
function checkExport(flags: ReturnType<typeof command.opts>): void {
  if (!flags.data) throw new Error('--export needs --data <version>');
  const tooMany = [...flags.counts, ...(flags.gatedCounts ?? [])].find((count: number) => count > flags.selectFrom);
  if (tooMany !== undefined) throw new Error(`a count of ${tooMany} exceeds --select-from ${flags.selectFrom}`);
  const missing = flags.targets.find((target: Expression) => !existsSync(translatorPath(target)));
  if (missing) throw new Error(`no shipped translator for ${missing}: ${translatorPath(missing)} is missing`);
}

async function exportExperiment(dir: string, flags: ReturnType<typeof command.opts>, dataset: Dataset, kept: number[], versionId: string): Promise<void> {
  const gatedCounts: number[] = flags.gatedCounts ?? flags.counts;
  const { test, pool, fromTraining } = selectTestSet(dataset.labels, dataset.usage, kept, flags.testPerClass, flags.seed);
  const plans = planFolds(dataset.labels, pool, flags.folds, flags.repeats, flags.seed);
  const position = new Map(kept.map((row, p) => [row, p]));
  const at = (indices: readonly number[]) => indices.map((i) => position.get(i)!);
  await mkdir(dir, { recursive: true });
  await exportFaces(dir, dataset.pixels, { faces: { rows: kept, labels: dataset.labels } });
  for (const target of flags.targets) {
    await writeFile(join(dir, `candidates-${target}.px`), await translate(dataset, kept, target, flags.selectFrom, flags.seed));
  }
  const plan = {
    data: versionId,
    seed: flags.seed,
    classifier: classifierFlags(flags),
    targets: flags.targets.map((name: Expression) => ({ name, label: expressionLabel(name) })),
    counts: flags.counts,
    gatedCounts,
    selectFrom: flags.selectFrom,
    testFromTraining: fromTraining,
    test: at(test),
    pool: at(pool),
    folds: plans.map((p) => ({ repeat: p.repeat, fold: p.fold, seed: p.seed, train: at(p.train), heldOut: at(p.heldOut) })),
  };
  await writeFile(join(dir, 'plan.json'), JSON.stringify(plan));
  console.error(`wrote ${kept.length} faces, ${flags.targets.length} x ${flags.selectFrom} candidates and ${plans.length} folds to ${dir}`);
}

interface ArmRecord {
  arm: string;
  target: string | null;
  synthetic: number;
  repeat: number;
  fold: number;
  trainSeconds: number;
  /** Offsets (in values) of its rows in test.f32 and held-out.u16. */
  test: number;
  heldOut: number;
}

interface Results {
  seconds: Record<string, number>;
  gate: Record<string, { chosen: number[]; confidence: number[] }>;
  arms: ArmRecord[];
}

interface Probabilities {
  test: Float32Array;
  heldOut: Float32Array;
}

function summarize(plan: { seed: number; test: number[]; folds: Array<{ repeat: number; fold: number; seed: number; train: number[]; heldOut: number[] }> }, labels: Uint8Array, results: Results, probabilities: Probabilities) {
  const metricsAt = (values: Float32Array, offset: number, positions: number[]) =>
    classificationMetrics(values.subarray(offset, offset + positions.length * NUM_EXPRESSIONS), positions.map((p) => labels[p]!), NUM_EXPRESSIONS);
  const planOf = (r: ArmRecord) => plan.folds.find((f) => f.repeat === r.repeat && f.fold === r.fold)!;
  const result = (r: ArmRecord) => ({
    test: metricsAt(probabilities.test, r.test, plan.test),
    heldOut: metricsAt(probabilities.heldOut, r.heldOut, planOf(r).heldOut),
    trainMs: r.trainSeconds * 1000,
  });
  const baselines = new Map(results.arms.filter((r) => r.arm === 'baseline').map((r) => [`${r.repeat}-${r.fold}`, r]));
  const arms = [...new Set(results.arms.filter((r) => r.arm !== 'baseline').map((r) => r.arm))];
  return arms.map((arm) => {
    const records = results.arms.filter((r) => r.arm === arm && baselines.has(`${r.repeat}-${r.fold}`));
    const folds: FoldResult[] = records.map((r) => {
      const p = planOf(r);
      return {
        repeat: r.repeat,
        fold: r.fold,
        seed: p.seed,
        trainReal: p.train.length,
        synthetic: r.synthetic,
        heldOut: p.heldOut.length,
        testCount: plan.test.length,
        baseline: result(baselines.get(`${r.repeat}-${r.fold}`)!),
        augmented: result(r),
        baselineReused: false,
        leakedTensors: 0,
      };
    });
    const target = expressionLabel(records[0]!.target as Expression);
    const summary = summarizeSet(folds, 'test', target, plan.seed);
    return { arm, target: records[0]!.target!, synthetic: records[0]!.synthetic, folds: folds.length, summary, verdict: decide(summary, DEFAULT_RULE) };
  });
}

const f3 = (x: number) => x.toFixed(3);
const gain = (c: SetSummary['comparisons']['meanAuc']) =>
  `${c.t.meanDifference >= 0 ? '+' : ''}${c.t.meanDifference.toFixed(4)} [${c.correctedT.ciLow.toFixed(3)}, ${c.correctedT.ciHigh.toFixed(3)}]`;

/** One run's results, or several runs' merged (a later run trained the arms an earlier one had no time for). */
async function loadResults(dirs: string[]): Promise<{ results: Results; probabilities: Probabilities }> {
  const merged: Results = { seconds: {}, gate: {}, arms: [] };
  const tests: Float32Array[] = [];
  const helds: Float32Array[] = [];
  let testOffset = 0;
  let heldOffset = 0;
  for (const [run, dir] of dirs.entries()) {
    const results = JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as Results;
    const data = async (name: string) => {
      const file = await readFile(join(dir, name));
      return file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength);
    };
    const test = new Float32Array(await data('test.f32'));
    const held = Float32Array.from(new Uint16Array(await data('held-out.u16')), (v) => v / 65535);
    for (const [phase, seconds] of Object.entries(results.seconds)) merged.seconds[dirs.length > 1 ? `run ${run + 1} ${phase}` : phase] = seconds;
    Object.assign(merged.gate, results.gate);
    merged.arms.push(...results.arms.map((r) => ({ ...r, test: r.test + testOffset, heldOut: r.heldOut + heldOffset })));
    tests.push(test);
    helds.push(held);
    testOffset += test.length;
    heldOffset += held.length;
  }
  const concat = (parts: Float32Array[], length: number) => {
    const out = new Float32Array(length);
    let at = 0;
    for (const part of parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  };
  return { results: merged, probabilities: { test: concat(tests, testOffset), heldOut: concat(helds, heldOffset) } };
}

async function report(dirs: string[], planDir: string, json: boolean): Promise<void> {
  const plan = JSON.parse(await readFile(join(planDir, 'plan.json'), 'utf8'));
  const { results, probabilities } = await loadResults(dirs);
  const labels = new Uint8Array(await readFile(join(planDir, 'faces.lb')));
  const rows = summarize(plan, labels, results, probabilities);
  if (json) {
    for (const r of rows) console.log(JSON.stringify({ bench: 'study', arm: r.arm, target: r.target, synthetic: r.synthetic, folds: r.folds, comparisons: r.summary.comparisons, verdict: r.verdict }));
    console.log(JSON.stringify({ bench: 'study', seconds: results.seconds }));
    return;
  }
  console.log('| arm | folds | target precision, baseline -> augmented | target AUC, baseline -> augmented | target AUC gain [95% CI, corrected t] | p (corrected t) | mean precision | mean AUC | mean AUC gain | verdict |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const { arm, folds, summary: s, verdict } of rows) {
    const c = s.comparisons;
    console.log(
      `| ${arm} | ${folds} | ${f3(c.targetPrecision.t.baselineMean)} -> ${f3(c.targetPrecision.t.augmentedMean)} | ${f3(c.targetAuc.t.baselineMean)} -> ${f3(c.targetAuc.t.augmentedMean)} | ${gain(c.targetAuc)} | ${c.targetAuc.correctedT.p.toPrecision(2)} | ${f3(c.meanPrecision.t.baselineMean)} -> ${f3(c.meanPrecision.t.augmentedMean)} | ${f3(c.meanAuc.t.baselineMean)} -> ${f3(c.meanAuc.t.augmentedMean)} | ${gain(c.meanAuc)} | ${verdict.accepted ? 'accepted' : 'rejected'} |`,
    );
  }
  console.log(`\nwall seconds: ${Object.entries(results.seconds).map(([k, v]) => `${k} ${Math.round(v)}`).join(', ')}`);
}

async function main(): Promise<void> {
  const flags = command.parse().opts();
  if (!flags.export === !flags.results) throw new Error('give one of --export <dir> and --results <dir>');
  if (flags.results) {
    if (!flags.plan) throw new Error('--results needs --plan <export dir>');
    return report(flags.results, flags.plan, flags.json === true);
  }
  checkExport(flags);
  const dataDir = readSetting('dataDir');
  const version = await findVersion(dataDir, flags.data);
  if (!version) throw new Error(`no data set version '${flags.data}' in ${dataDir} (see 'faceaug data list')`);
  await exportExperiment(flags.export, flags, await loadDataset(dataDir, version.datasetId), version.kept, version.id);
}

main().catch((error: Error) => {
  console.error(`bench:study: ${error.message}`);
  process.exit(1);
});
