import { join } from 'node:path';
import type { DatabaseHandle } from '../../db/client.js';
import { withRegistry } from '../../db/open-registry.js';
import { createTrainingRun, updateTrainingRun } from '../../db/runs.js';
import { registerModelVersion } from '../../db/registry.js';
import { loadDataset, type Dataset } from '../data/dataset-store.js';
import { findVersion, type DatasetVersion } from '../data/version-store.js';
import { exportOnnx } from '../onnx/export-onnx.js';
import { packTensors } from '../networks/tensor-file.js';
import { initBackend } from '../tfjs/backend.js';
import { loadCheckpoint, removeStaleCheckpointTemp } from './checkpoint.js';
import { domainImages, showcaseFaces } from './domains.js';
import { cycleGanConfig, type TrainOptions } from './options.js';
import { gitSha } from './git-sha.js';
import { readRunRecord, runDir, writeRunRecord, type RunRecord } from './run-files.js';
import { trainLoop, type LoopInput, type LoopResult } from './train-loop.js';

const SAMPLE_FACES = 8;

export type TrainingEvents = Pick<LoopInput, 'onStart' | 'onStep' | 'onEpoch'>;

export interface TrainingResult {
  runId: number;
  runDir: string;
  modelVersion: number;
  steps: number;
  scheduledSteps: number;
  finalLosses: Record<string, number>;
}

async function trainingData(dataDir: string, key: string) {
  const version = await findVersion(dataDir, key);
  if (!version) throw new Error(`no data set version '${key}' (see 'faceaug data list'; train on a filtered version)`);
  const dataset = await loadDataset(dataDir, version.datasetId);
  return { version, dataset };
}

function domains(dataset: Dataset, version: DatasetVersion, options: TrainOptions) {
  return {
    domainA: domainImages(dataset, version.kept, options.source, 'Training'),
    domainB: domainImages(dataset, version.kept, options.target, 'Training'),
    samples: showcaseFaces(dataset, version.kept, options.source, SAMPLE_FACES, options.seed),
  };
}

async function finish(db: DatabaseHandle, record: RunRecord, dir: string, result: LoopResult): Promise<TrainingResult> {
  const { options } = record;
  const lastEpoch = result.history.slice(-Math.min(result.history.length, 100));
  const finalLosses = Object.fromEntries(
    (['generator', 'adversarial', 'cycle', 'identity', 'discriminatorA', 'discriminatorB'] as const).map((k) => [
      k,
      lastEpoch.reduce((s, r) => s + r[k], 0) / Math.max(1, lastEpoch.length),
    ]),
  );
  const spec = cycleGanConfig(options, 'B').generator;
  const metadata = { source: options.source, target: options.target, run: String(record.runId) };
  const onnx = exportOnnx(spec, result.generator, { metadata });
  const checkpoint = packTensors(
    [...result.generator].map(([name, { shape, values }]) => ({ name, shape, values })),
    { format: 'faceaug-generator/1', spec, options },
  );
  const version = await registerModelVersion(db.db, {
    source: options.source,
    target: options.target,
    runId: record.runId,
    metrics: { training: { steps: result.globalStep, scheduledSteps: result.scheduledSteps, finalLosses } },
    artifacts: [
      { kind: 'onnx', bytes: onnx },
      { kind: 'tfjs', bytes: checkpoint },
    ],
  });
  await updateTrainingRun(db.db, record.runId, { status: 'succeeded', lossHistoryUri: `file://${join(dir, 'losses.csv')}` });
  await writeRunRecord(dir, { ...record, modelVersion: version.version, finishedAt: new Date().toISOString() });
  return { runId: record.runId, runDir: dir, modelVersion: version.version, steps: result.globalStep, scheduledSteps: result.scheduledSteps, finalLosses };
}

async function run(dataDir: string, record: RunRecord, dir: string, loop: Omit<LoopInput, 'runDir'>): Promise<TrainingResult> {
  let result: LoopResult;
  try {
    result = await trainLoop({ ...loop, runDir: dir });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await withRegistry(dataDir, (db) => updateTrainingRun(db.db, record.runId, { status: 'failed', error: message })).catch(() => undefined);
    throw error;
  }
  return withRegistry(dataDir, (db) => finish(db, record, dir, result));
}

export interface StartTraining extends TrainingEvents {
  dataDir: string;
  data: string;
  options: TrainOptions;
  backend?: string;
  checkpointEvery: number;
  snapshotEvery: number;
  stopAt?: number;
}

/** Starts a run: records it in the registry, trains, exports ONNX and registers the generator as a candidate. */
export async function startTraining(input: StartTraining): Promise<TrainingResult> {
  const { version, dataset } = await trainingData(input.dataDir, input.data);
  if (version.registryId === undefined) throw new Error(`data set version ${version.id} is not in the registry; re-run its filter`);
  const backend = (await initBackend(input.backend)).choice;
  const { options } = input;
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
  await writeRunRecord(dir, record);
  return run(input.dataDir, record, dir, { ...domains(dataset, version, options), ...input });
}

export interface ResumeTraining extends TrainingEvents {
  dataDir: string;
  runId: number;
  backend?: string;
  checkpointEvery: number;
  snapshotEvery: number;
  stopAt?: number;
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
  return run(input.dataDir, record, dir, { ...domains(dataset, version, options), ...input, options, resume });
}
