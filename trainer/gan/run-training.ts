import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatabaseHandle } from '../../db/client.js';
import { withRegistry } from '../../db/open-registry.js';
import { createTrainingRun, updateTrainingRun } from '../../db/runs.js';
import { registerModelVersion } from '../../db/registry.js';
import { loadDataset, type Dataset } from '../data/dataset-store.js';
import { findVersion, type DatasetVersion } from '../data/version-store.js';
import { exportOnnx } from '../onnx/export-onnx.js';
import { packTensors, weightsToTensors } from '../networks/tensor-file.js';
import { initBackend } from '../tfjs/backend.js';
import { loadCheckpoint, removeStaleCheckpointTemp, saveCheckpoint, type Checkpoint } from './checkpoint.js';
import { loadPortable, savePortable, type DataReference } from './portable-checkpoint.js';
import { domainImages, showcaseFaces } from './domains.js';
import { onnxTranslationGrid } from '../onnx/translation-grid.js';
import { lossJudge } from './loss-judge.js';
import { cycleGanConfig, type TrainOptions } from './options.js';
import { gitSha } from './git-sha.js';
import { lossPlotPath, readRunRecord, runDir, writeRunRecord, type RunRecord } from './run-files.js';
import { loadSnapshot } from './snapshots.js';
import { withEditHead } from './edit-head.js';
import { translatorWeights, type CycleGanState } from './cyclegan.js';
import { stepsPerEpoch, trainLoop, type LoopInput, type LoopResult } from './train-loop.js';

const SAMPLE_FACES = 8;

export interface TrainingEvents extends Pick<LoopInput, 'onStart' | 'onStep' | 'onEpoch'> {
  /** After run `runId` saved its generator of `step` (e.g. to evaluate it). */
  onSnapshot?(step: number, runId: number): Promise<void>;
  /**
   * When run `runId` has trained its last step: the snapshot step whose generator to register
   * (e.g. the best by a quality rule), or undefined for the last one.
   */
  chooseGenerator?(runId: number, lastStep: number): Promise<number | undefined>;
}

export interface TrainingResult {
  runId: number;
  runDir: string;
  modelVersion: number;
  steps: number;
  /** The step whose generator was registered: the last, unless chooseGenerator picked another. */
  generatorStep: number;
  scheduledSteps: number;
  finalLosses: Record<string, number>;
}

async function trainingData(dataDir: string, key: string) {
  const version = await findVersion(dataDir, key);
  if (!version) throw new Error(`no data set version '${key}' (see 'faceaug data list'; train on a filtered version)`);
  const dataset = await loadDataset(dataDir, version.datasetId);
  return { version, dataset };
}

/** The filter steps from the data set to `version`, oldest first. */
async function versionChain(dataDir: string, version: DatasetVersion): Promise<DataReference['chain']> {
  const chain: DataReference['chain'] = [];
  for (let v: DatasetVersion | undefined = version; v; v = v.parentId ? await findVersion(dataDir, v.parentId) : undefined) {
    chain.unshift({ id: v.id, method: v.method, params: v.params });
  }
  return chain;
}

/** Keeps a portable copy of every checkpoint at `path`, when one is asked for. */
async function portableWriter(dataDir: string, version: DatasetVersion, path: string | undefined): Promise<LoopInput['onCheckpoint']> {
  if (!path) return undefined;
  const data: DataReference = { datasetId: version.datasetId, versionId: version.id, chain: await versionChain(dataDir, version) };
  return (checkpoint) => savePortable(path, { checkpoint, data });
}

function domains(dataset: Dataset, version: DatasetVersion, options: TrainOptions) {
  return {
    domainA: domainImages(dataset, version.kept, options.source, 'Training'),
    domainB: domainImages(dataset, version.kept, options.target, 'Training'),
    samples: showcaseFaces(dataset, version.kept, options.source, SAMPLE_FACES, options.seed),
  };
}

/** Registers the generator of `chosenStep` (else the last) as a candidate model version and records it in run.json. */
/**
 * Exports the chosen generator and registers it as a candidate version, with its weights, the loss
 * plot and a sample grid: `samples` (the run's fixed source faces) above what the ONNX file makes
 * of them.
 */
async function finish(db: DatabaseHandle, record: RunRecord, dir: string, result: LoopResult, chosenStep: number | undefined, samples: Float32Array): Promise<TrainingResult> {
  const { options } = record;
  const chosen = chosenStep !== undefined && chosenStep !== result.globalStep;
  const generator = chosen ? await loadSnapshot(dir, chosenStep) : result.generator;
  const generatorStep = chosen ? chosenStep : result.globalStep;
  const lastEpoch = result.history.slice(-Math.min(result.history.length, 100));
  const finalLosses = Object.fromEntries(
    (['generator', 'adversarial', 'cycle', 'identity', 'discriminatorA', 'discriminatorB'] as const).map((k) => [
      k,
      lastEpoch.reduce((s, r) => s + r[k], 0) / Math.max(1, lastEpoch.length),
    ]),
  );
  const spec = cycleGanConfig(options, 'B').generator;
  const metadata = { source: options.source, target: options.target, run: String(record.runId) };
  const onnx = exportOnnx(spec, generator, { metadata });
  const checkpoint = packTensors(
    weightsToTensors(generator),
    { format: 'faceaug-generator/1', spec, options },
  );
  const version = await registerModelVersion(db.db, {
    source: options.source,
    target: options.target,
    runId: record.runId,
    metrics: { training: { steps: result.globalStep, generatorStep, scheduledSteps: result.scheduledSteps, finalLosses } },
    artifacts: [
      { kind: 'onnx', bytes: onnx },
      { kind: 'tfjs', bytes: checkpoint },
      { kind: 'sample-grid', bytes: await onnxTranslationGrid(onnx, samples) },
      ...(existsSync(lossPlotPath(dir)) ? [{ kind: 'loss-plot' as const, bytes: await readFile(lossPlotPath(dir)) }] : []),
    ],
  });
  await writeRunRecord(dir, { ...record, modelVersion: version.version, generatorStep: chosen ? generatorStep : undefined, finishedAt: record.finishedAt ?? new Date().toISOString() });
  return { runId: record.runId, runDir: dir, modelVersion: version.version, steps: result.globalStep, generatorStep, scheduledSteps: result.scheduledSteps, finalLosses };
}

async function run(dataDir: string, record: RunRecord, dir: string, loop: Omit<LoopInput, 'runDir' | 'onSnapshot'> & TrainingEvents): Promise<TrainingResult> {
  let result: LoopResult;
  let chosenStep: number | undefined;
  const { onSnapshot, chooseGenerator } = loop;
  try {
    // A new run looked its judge up already; a resumed one looks it up here, checking its sha256.
    const judge = loop.lossJudge ?? (await lossJudge(dataDir, loop.options))?.classifier;
    result = await trainLoop({ ...loop, runDir: dir, lossJudge: judge, onSnapshot: onSnapshot && ((step) => onSnapshot(step, record.runId)) });
    chosenStep = await chooseGenerator?.(record.runId, result.globalStep);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await withRegistry(dataDir, (db) => updateTrainingRun(db.db, record.runId, { status: 'failed', error: message })).catch(() => undefined);
    throw error;
  }
  return withRegistry(dataDir, async (db) => {
    const finished = await finish(db, record, dir, result, chosenStep, loop.samples);
    await updateTrainingRun(db.db, record.runId, { status: 'succeeded', lossHistoryUri: `file://${join(dir, 'losses.csv')}` });
    return finished;
  });
}

/** What every way of starting or continuing a run takes. */
interface TrainingInput extends TrainingEvents {
  dataDir: string;
  backend?: string;
  checkpointEvery: number;
  snapshotEvery: number;
  stopAt?: number;
  /** Also keep a portable checkpoint here (see portable-checkpoint.ts), e.g. under models/. */
  portablePath?: string;
}

export interface StartTraining extends TrainingInput {
  data: string;
  options: TrainOptions;
  /** A warm start from a portable checkpoint's weights (see warmStart). */
  initializeFrom?: string;
}

/**
 * Starts a run: records it in the registry, trains, exports ONNX and registers the generator as a
 * candidate. With `initializeFrom`, its networks start from that portable checkpoint's weights.
 */
export async function startTraining(input: StartTraining): Promise<TrainingResult> {
  const { version, dataset } = await trainingData(input.dataDir, input.data);
  const start = input.initializeFrom ? await warmStart(input.initializeFrom, input.options) : undefined;
  // A new run fixes its own loss judge, whatever the checkpoint it starts from read with.
  const { expressionJudgeSha256: _previous, ...options } = input.options;
  return createRun(input, version, dataset, options, start ? { warm: start } : {});
}

/**
 * A portable checkpoint's weights, and where they came from, to start a new run of `options`
 * from; image-output generators gain a mask channel when the run asks for edit output.
 */
async function warmStart(path: string, options: TrainOptions): Promise<{ weights: CycleGanState['weights']; from: NonNullable<RunRecord['initializedFrom']> }> {
  const { checkpoint } = await loadPortable(path);
  const { weights } = checkpoint.state;
  const addHead = options.output === 'edit' && (checkpoint.options.output ?? 'image') === 'image';
  return {
    weights: addHead ? { ...weights, gAB: withEditHead(weights.gAB), gBA: withEditHead(weights.gBA) } : weights,
    from: { path, step: checkpoint.globalStep },
  };
}

/** Records a new run in the registry and trains it, from the start, from `resume`, or warm from other weights. */
async function createRun(
  input: TrainingInput,
  version: DatasetVersion,
  dataset: Dataset,
  options: TrainOptions,
  { resume, warm }: { resume?: Checkpoint; warm?: Awaited<ReturnType<typeof warmStart>> },
): Promise<TrainingResult> {
  if (version.registryId === undefined) throw new Error(`data set version ${version.id} is not in the registry; re-run its filter`);
  const judge = await lossJudge(input.dataDir, options);
  if (judge) options = { ...options, expressionJudgeSha256: judge.sha256 };
  const backend = (await initBackend(input.backend)).choice;
  const config = cycleGanConfig(options, 'B');
  const row = await withRegistry(input.dataDir, (db) =>
    createTrainingRun(db.db, {
      source: options.source,
      target: options.target,
      datasetVersionId: version.registryId!,
      architecture: `${config.generator.name} + ${config.discriminator.name}`,
      hyperparameters: { ...options },
      seed: options.seed,
      backend,
      gitSha: gitSha(),
    }),
  );
  const dir = runDir(input.dataDir, row.id);
  const record: RunRecord = { runId: row.id, options, dataVersion: version.id, datasetId: dataset.manifest.id, backend, startedAt: new Date().toISOString() };
  if (resume) record.resumedFrom = { path: input.portablePath ?? '', step: resume.globalStep };
  if (warm) record.initializedFrom = warm.from;
  await writeRunRecord(dir, record);
  // The run owns the state it took over from its first moment: `--resume <run>` before its first
  // own checkpoint, and packaging a run that had nothing left to train, both read it from here.
  if (resume) await saveCheckpoint(dir, resume);
  const onCheckpoint = await portableWriter(input.dataDir, version, input.portablePath);
  return run(input.dataDir, record, dir, { ...domains(dataset, version, options), ...input, options, resume, initialWeights: warm?.weights, lossJudge: judge?.classifier, onCheckpoint });
}

export interface ResumeTraining extends TrainingInput {
  runId: number;
}

/** Continues an interrupted run from its last checkpoint (or from the start if it never saved one). */
export async function resumeTraining(input: ResumeTraining): Promise<TrainingResult> {
  const record = await readRunRecord(input.dataDir, input.runId);
  if (record.modelVersion !== undefined) throw new Error(`run ${record.runId} already finished (model version ${record.modelVersion})`);
  const dir = runDir(input.dataDir, record.runId);
  await removeStaleCheckpointTemp(dir);
  const resume = await loadCheckpoint(dir);
  const { version, dataset } = await trainingData(input.dataDir, record.dataVersion);
  const options = resume?.options ?? record.options;
  // A warm-started run that never checkpointed starts again from the same weights.
  const initialWeights = !resume && record.initializedFrom ? (await warmStart(record.initializedFrom.path, options)).weights : undefined;
  const onCheckpoint = await portableWriter(input.dataDir, version, input.portablePath);
  return run(input.dataDir, record, dir, { ...domains(dataset, version, options), ...input, options, resume, initialWeights, onCheckpoint });
}

/**
 * Registers a finished run's generator of `step` as a new candidate model version, and records
 * that step as the run's generator for validate, generate and package. For a run whose best
 * snapshot was only known after it ended (it trained before any judge was registered, or was
 * evaluated again with another judge); returns undefined when that generator is registered already.
 */
export async function registerRunGenerator(dataDir: string, runId: number, step: number): Promise<TrainingResult | undefined> {
  const record = await readRunRecord(dataDir, runId);
  if (record.modelVersion === undefined) throw new Error(`run ${runId} has not finished: it registers its best generator when it does`);
  const dir = runDir(dataDir, runId);
  const checkpoint = await loadCheckpoint(dir);
  if (!checkpoint) throw new Error(`run ${runId} has no checkpoint in ${dir}`);
  if ((record.generatorStep ?? checkpoint.globalStep) === step) return undefined;
  const { version, dataset } = await trainingData(dataDir, record.dataVersion);
  const { domainA, domainB, samples } = domains(dataset, version, checkpoint.options);
  const perEpoch = stepsPerEpoch(checkpoint.options, domainA.count, domainB.count);
  const result: LoopResult = {
    generator: translatorWeights(checkpoint.state.weights),
    history: checkpoint.history,
    globalStep: checkpoint.globalStep,
    scheduledSteps: perEpoch * (checkpoint.options.epochs + checkpoint.options.decayEpochs),
  };
  return withRegistry(dataDir, (db) => finish(db, record, dir, result, step, samples));
}

export interface ResumeFromFile extends TrainingInput {
  /** A portable checkpoint, e.g. models/neutral-to-disgust/training/checkpoint.bin.gz. */
  path: string;
}

/**
 * Continues a run from a portable checkpoint, as a new run of this machine's registry: on a
 * fresh machine, after importing the same data and re-running the same filters.
 */
export async function resumeFromFile(input: ResumeFromFile): Promise<TrainingResult> {
  const { checkpoint, data } = await loadPortable(input.path);
  const version = await findVersion(input.dataDir, data.versionId);
  if (!version) {
    const steps = data.chain.map((v) => `${v.method} ${JSON.stringify(v.params)}`).join(' -> ');
    throw new Error(
      `${input.path} trained on data set version ${data.versionId} of data set ${data.datasetId}, which is not in ${input.dataDir}: ` +
        `import the same file with 'faceaug data import' and re-run the same filters (${steps}); versions are named by their inputs, so the same id comes back`,
    );
  }
  const dataset = await loadDataset(input.dataDir, version.datasetId);
  return createRun({ ...input, portablePath: input.portablePath ?? input.path }, version, dataset, checkpoint.options, { resume: checkpoint });
}
