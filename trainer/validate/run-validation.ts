import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArtifactInput } from '../../db/artifacts.js';
import { FACE_SIZE, FACE_PIXELS } from '../../core/image-codec.js';
import { EXPRESSIONS, expressionLabel } from '../../core/expressions.js';
import { imageAt, loadDataset } from '../data/dataset-store.js';
import { findVersion } from '../data/version-store.js';
import { readRunRecord } from '../gan/run-files.js';
import { runGenerator } from '../gan/run-generator.js';
import { barChartPng } from '../report/bar-chart.js';
import { imageGridPng } from '../report/image-grid.js';
import { initBackend } from '../tfjs/backend.js';
import { runInWorkers } from '../parallel/worker-pool.js';
import type { ArmJob, ArmOutcome, ClassifierSettings, FoldResult } from './fold-task.js';
import { ARM_TASK, FoldAssembly } from './fold-arms.js';
import { foldKey, loadBaselines, loadFolds, saveBaseline, saveFold } from './fold-store.js';
import { type FoldPlan, planFolds, selectTestSet } from './plan.js';
import { type ValidationParams, type ValidationReport, perClassSeries, reportMarkdown } from './report.js';
import { targetConfidence, topK } from './quality-gate.js';
import { type QueuedArmsInput, checkQueue, runQueuedArms } from './queued-folds.js';
import { recordVerdict } from './record-verdict.js';
import { type SyntheticSet, syntheticCandidates, writeChosen } from './synthetic-set.js';
import { type VerdictRule, decide, summarizeSet } from './verdict.js';

export interface ValidationInput {
  dataDir: string;
  runId: number;
  /** Data set version to validate on; default the version the run trained on. */
  data?: string;
  count: number;
  /** Generate this many candidates and keep the `count` a baseline classifier finds most target-like. */
  selectFrom?: number;
  testPerClass: number;
  folds: number;
  repeats: number;
  seed: number;
  classifier: ClassifierSettings;
  rule: VerdictRule;
  workers?: number;
  backend?: string;
  /**
   * Train the folds through the Postgres fold queue, on `faceaug worker` processes anywhere,
   * instead of on this machine's threads; `pollMs` is how often this process looks for results.
   */
  queue?: Pick<QueuedArmsInput, 'pollMs' | 'onQueued' | 'onWaiting'>;
  /** Record the verdict in the registry (default true). */
  register?: boolean;
  onPhase?: (phase: string) => void;
  onFolds?: (done: number, total: number, latest?: FoldResult) => void;
}

export const validationsDir = (dataDir: string) => join(dataDir, 'validations');

/** Everything that changes the result names the directory; `repeats` does not, so repeats can be added later. */
export function validationId(params: ValidationParams): string {
  return `v-${createHash('sha256').update(JSON.stringify(params)).digest('hex').slice(0, 12)}`;
}

/** What a baseline classifier depends on; validations of other runs or counts share its folds' baselines. */
export function baselineId(params: ValidationParams): string {
  const { dataVersion, testPerClass, folds, seed, classifier } = params;
  return `b-${createHash('sha256').update(JSON.stringify({ dataVersion, testPerClass, folds, seed, classifier })).digest('hex').slice(0, 12)}`;
}

const exists = (path: string) => stat(path).then(() => true, () => false);

/** Times each phase of one invocation; the timings go into the report and timings.jsonl. */
function phaseTimer(onPhase: ValidationInput['onPhase']) {
  const startedAt = new Date().toISOString();
  const seconds: Record<string, number> = {};
  const phase = async <T>(name: string, body: () => Promise<T>): Promise<T> => {
    onPhase?.(name);
    const started = performance.now();
    try {
      return await body();
    } finally {
      seconds[name] = (performance.now() - started) / 1000;
    }
  };
  return { phase, entry: { startedAt, seconds } };
}

async function loadRun(input: ValidationInput) {
  const record = await readRunRecord(input.dataDir, input.runId);
  const key = input.data ?? record.dataVersion;
  const version = await findVersion(input.dataDir, key);
  if (!version) throw new Error(`no data set version '${key}' in ${input.dataDir} (see 'faceaug data list')`);
  const { step } = await runGenerator(input.dataDir, record);
  return { record, version, dataset: await loadDataset(input.dataDir, version.datasetId), generatorStep: step };
}
type LoadedRun = Awaited<ReturnType<typeof loadRun>>;

function validationParams(input: ValidationInput, { record, version, generatorStep }: LoadedRun): ValidationParams {
  const params: ValidationParams = {
    runId: input.runId,
    modelVersion: record.modelVersion ?? null,
    generatorStep,
    dataVersion: version.id,
    count: input.count,
    candidates: input.selectFrom ?? input.count,
    testPerClass: input.testPerClass,
    folds: input.folds,
    seed: input.seed,
    classifier: input.classifier,
  };
  if (params.candidates < params.count) throw new Error(`--select-from ${params.candidates} must be at least --count ${params.count}`);
  return params;
}

async function generateCandidates(input: ValidationInput, dir: string, params: ValidationParams): Promise<SyntheticSet> {
  const candidates = await syntheticCandidates(join(dir, 'synthetic'), { dataDir: input.dataDir, runId: input.runId, count: params.candidates, seed: input.seed, backend: input.backend });
  const generatedAt = candidates.images[0]?.step;
  if (generatedAt !== params.generatorStep) {
    throw new Error(`run ${input.runId} checkpointed while its images were generated (step ${params.generatorStep} -> ${generatedAt}); remove ${dir} and run again`);
  }
  return candidates;
}

/** All candidates, or with the quality gate the `count` a baseline classifier finds most target-like (kept in selection.json). */
async function selectCandidates(input: ValidationInput, dir: string, params: ValidationParams, run: LoadedRun, pool: number[], candidates: SyntheticSet) {
  const all = Array.from({ length: candidates.images.length }, (_, i) => i);
  if (params.candidates === params.count) return { chosen: all, confidence: null };
  const path = join(dir, 'selection.json');
  if (await exists(path)) return JSON.parse(await readFile(path, 'utf8')) as { chosen: number[]; confidence: number[] };
  await initBackend(input.backend);
  const target = expressionLabel(run.record.options.target);
  const scores = await targetConfidence({ ...run.dataset, pool }, candidates.pixels, target, input.classifier, input.seed);
  const picked = topK(scores, params.count);
  const selection = { chosen: picked, confidence: picked.map((n) => scores[n]!) };
  await writeFile(path, JSON.stringify(selection));
  return selection;
}

interface FoldsInput {
  input: ValidationInput;
  dir: string;
  params: ValidationParams;
  run: LoadedRun;
  test: number[];
  plans: FoldPlan[];
  /** The kept images the folds split. */
  pool: number[];
  syntheticFile: string;
}

/**
 * Trains the folds not yet saved, on the worker pool or through the fold queue, reusing stored
 * baselines; returns every fold in plan order.
 */
async function runFolds({ input, dir, params, run, test, plans, syntheticFile, pool }: FoldsInput) {
  const done = await loadFolds(dir);
  const baselinesDir = join(validationsDir(input.dataDir), 'baselines', baselineId(params));
  const reused = plans.filter((p) => done.has(foldKey(p.repeat, p.fold))).length;
  const pending = plans.filter((p) => !done.has(foldKey(p.repeat, p.fold)));
  input.onFolds?.(reused, plans.length);
  const assembly = new FoldAssembly(pending, await loadBaselines(baselinesDir), {
    dataDir: input.dataDir,
    datasetId: run.dataset.manifest.id,
    syntheticFile,
    targetLabel: expressionLabel(run.record.options.target),
    test,
    classifier: input.classifier,
  });
  let finished = reused;
  // Saved as each fold completes (not after all), so an interruption loses only the folds in flight.
  const saving: Promise<void>[] = [];
  const onArm = (outcome: ArmOutcome) => {
    const result = assembly.add(outcome);
    if (!result) return;
    saving.push(saveFold(dir, result));
    if (!result.baselineReused) {
      saving.push(saveBaseline(baselinesDir, result.repeat, result.fold, { seed: result.seed, trainReal: result.trainReal, arm: result.baseline }));
    }
    done.set(foldKey(result.repeat, result.fold), result);
    finished++;
    input.onFolds?.(finished, plans.length, result);
  };
  if (input.queue) {
    await runQueuedArms({ ...input.queue, dataDir: input.dataDir, validationId: validationId(params), dataVersion: params.dataVersion, pool, jobs: assembly.jobs, onArm });
  } else {
    await runInWorkers<ArmJob, ArmOutcome>(ARM_TASK, assembly.jobs, { workers: input.workers, backend: input.backend, onResult: (_, outcome) => onArm(outcome) });
  }
  await Promise.all(saving);
  return { folds: plans.map((p) => done.get(foldKey(p.repeat, p.fold))!), reused, trainedNow: pending.length };
}

/**
 * Why the verdict is not recorded, or null when it is. Only a registered model version can carry
 * a verdict, and only if the images came from it: images generated from a checkpoint before the
 * run finished are not that version's output.
 */
function registrationBlocker(input: ValidationInput, record: LoadedRun['record'], candidates: SyntheticSet): string | null {
  const generatedBy = candidates.images[0]?.modelVersion ?? null;
  if (input.register === false) return 'Not recorded in the registry (--no-register).';
  if (record.modelVersion === undefined) {
    return `Not recorded in the registry: run ${input.runId} has not finished, so it has no model version yet (this validated its latest checkpoint).`;
  }
  if (generatedBy !== record.modelVersion) {
    return `Not recorded in the registry: the synthetic images came from a checkpoint before run ${input.runId} finished; validate again for model version ${record.modelVersion}.`;
  }
  return null;
}

/**
 * Runs (or resumes) one validation of a training run's translator: fixed test set, synthetic
 * images, repeated stratified k-fold pairs on the worker pool (or through the fold queue, on
 * workers anywhere) with each finished fold saved, the verdict, the reports, and the verdict
 * recorded in the registry.
 */
export async function runValidation(input: ValidationInput): Promise<ValidationReport> {
  const { phase, entry } = phaseTimer(input.onPhase);
  if (input.queue) await checkQueue(input.dataDir);
  const run = await phase('load', () => loadRun(input));
  const { record, version, dataset } = run;
  const params = validationParams(input, run);
  const id = validationId(params);
  const dir = join(validationsDir(input.dataDir), id);
  // A resumed validation's folds were timed by the invocation that trained them: every invocation's phases are kept.
  const timingsFile = join(dir, 'timings.jsonl');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'params.json'), JSON.stringify(params, null, 2) + '\n');

  const { test, pool, fromTraining } = selectTestSet(dataset.labels, dataset.usage, version.kept, input.testPerClass, input.seed);
  const plans = planFolds(dataset.labels, pool, input.folds, input.repeats, input.seed);
  const candidates = await phase('generate', () => generateCandidates(input, dir, params));
  const { chosen, confidence } = await phase('select', () => selectCandidates(input, dir, params, run, pool, candidates));
  const syntheticFile = join(dir, 'synthetic.u8');
  await writeChosen(syntheticFile, candidates, chosen);
  const { folds, reused, trainedNow } = await phase('folds', () => runFolds({ input, dir, params, run, test, plans, pool, syntheticFile }));

  const blocker = registrationBlocker(input, record, candidates);
  const target = expressionLabel(record.options.target);
  const report = await phase('report', async () => {
    const sets = { test: summarizeSet(folds, 'test', target, input.seed), heldOut: summarizeSet(folds, 'heldOut', target, input.seed) };
    const poolPerClass = Object.fromEntries(EXPRESSIONS.map((name, c) => [name, pool.filter((i) => dataset.labels[i] === c).length]));
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    const report: ValidationReport = {
      id,
      createdAt: new Date().toISOString(),
      translator: { source: record.options.source, target: record.options.target },
      params,
      repeats: input.repeats,
      rule: input.rule,
      data: { datasetId: dataset.manifest.id, test: test.length, testFromTraining: Object.fromEntries(EXPRESSIONS.map((name, c) => [name, fromTraining[c]!])), pool: pool.length, poolPerClass },
      synthetic: {
        used: chosen.length,
        candidates: candidates.images.length,
        generatorStep: params.generatorStep,
        selection: confidence ? 'target-confidence' : 'none',
        meanTargetConfidence: confidence ? mean(confidence) : null,
      },
      folds: {
        total: folds.length,
        reused,
        trainedNow,
        baselinesReused: folds.filter((f) => f.baselineReused).length,
        meanTrainSeconds: { baseline: mean(folds.map((f) => f.baseline.trainMs)) / 1000, augmented: mean(folds.map((f) => f.augmented.trainMs)) / 1000 },
        leakedTensors: Math.max(0, ...folds.map((f) => f.leakedTensors)),
      },
      sets,
      verdict: decide(sets.test, input.rule),
      // The current invocation's entry is this very object, so phases still to come land in it too.
      timings: [...(await readTimings(timingsFile)), entry],
      registration: blocker ?? `Recorded in the registry as a validation of ${record.options.source}->${record.options.target} v${record.modelVersion}.`,
      registered: null,
    };
    await writeCharts(dir, report);
    await writeSheet(dir, candidates.pixels, chosen, candidates.images.map((image) => image.sourceIndex), version.datasetId === record.datasetId ? dataset.pixels : null);
    return report;
  });

  if (blocker === null) {
    report.registered = await phase('register', async () => recordVerdict(input.dataDir, report, await chartArtifacts(dir)));
  }
  await appendFile(timingsFile, JSON.stringify(entry) + '\n');
  await writeFile(join(dir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  await writeFile(join(dir, 'report.md'), reportMarkdown(report));
  return report;
}

async function readTimings(file: string): Promise<ValidationReport['timings']> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trim() ? text.trim().split('\n').map((line) => JSON.parse(line) as ValidationReport['timings'][number]) : [];
}

/** `precision.png` and `auc.png`: per-class bars of the test set; also drawn into a shipped translator. */
export async function writeCharts(dir: string, report: ValidationReport): Promise<void> {
  for (const metric of ['precision', 'auc'] as const) {
    const png = await barChartPng(perClassSeries(report.sets.test, metric), {
      title: `${metric === 'auc' ? 'One-vs-rest ROC-AUC' : 'Precision'} per class on the fixed test set (${report.folds.total} folds, ± 1 sd)`,
      yLabel: metric === 'auc' ? 'AUC' : 'precision',
      categories: [...EXPRESSIONS],
      yMin: 0,
      yMax: 1,
    });
    await writeFile(join(dir, `${metric}.png`), png);
  }
}

/** The pictures {@link writeCharts} drew, as the registry stores them. */
async function chartArtifacts(dir: string): Promise<ArtifactInput[]> {
  return Promise.all(
    (['precision', 'auc'] as const).map(async (metric) => ({ kind: `${metric}-chart` as const, bytes: await readFile(join(dir, `${metric}.png`)) })),
  );
}

/** The images the augmented classifiers trained on, each row of sources above its row of translations. */
async function writeSheet(dir: string, synthetic: Uint8Array, chosen: number[], sourceIndices: number[], sourcePixels: Uint8Array | null): Promise<void> {
  const perRow = 10;
  const rows: Uint8Array[][] = [];
  for (let start = 0; start < chosen.length; start += perRow) {
    const slice = chosen.slice(start, start + perRow);
    if (sourcePixels) rows.push(slice.map((n) => imageAt({ pixels: sourcePixels }, sourceIndices[n]!)));
    rows.push(slice.map((n) => synthetic.subarray(n * FACE_PIXELS, (n + 1) * FACE_PIXELS)));
  }
  await writeFile(join(dir, 'synthetic.png'), await imageGridPng(rows, { side: FACE_SIZE, scale: 2 }));
}
