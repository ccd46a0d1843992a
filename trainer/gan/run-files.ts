import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrainOptions } from './options.js';

/** What a run directory records about its run, so `--resume` and `generate` need only the run id. */
export interface RunRecord {
  runId: number;
  options: TrainOptions;
  /** The data set version trained on (local id) and its data set. */
  dataVersion: string;
  datasetId: string;
  backend: string;
  startedAt: string;
  /** Set when the run continues a portable checkpoint: its file and the step it had reached. */
  resumedFrom?: { path: string; step: number };
  /** Set when the run started from a portable checkpoint's weights (a warm start): its file and step. */
  initializedFrom?: { path: string; step: number };
  /** Set once training finished and the generator was registered. */
  modelVersion?: number;
  /** The step whose generator was registered, when it is not the last (picked by the selection rule). */
  generatorStep?: number;
  finishedAt?: string;
}

export const runsDir = (dataDir: string) => join(dataDir, 'runs');
export const runDir = (dataDir: string, runId: number) => join(runsDir(dataDir), String(runId));
/** The loss plot a run redraws at the end of every epoch; registration stores it with the version. */
export const lossPlotPath = (dir: string) => join(dir, 'losses.png');

export async function writeRunRecord(dir: string, record: RunRecord): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'run.json'), JSON.stringify(record, null, 2) + '\n');
}

export async function readRunRecord(dataDir: string, runId: number): Promise<RunRecord> {
  const path = join(runDir(dataDir, runId), 'run.json');
  try {
    return JSON.parse(await readFile(path, 'utf8')) as RunRecord;
  } catch {
    throw new Error(`no training run ${runId} in ${runsDir(dataDir)} (expected ${path})`);
  }
}
