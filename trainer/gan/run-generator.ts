import type { NamedWeights } from '../../core/networks/weights.js';
import { loadCheckpoint } from './checkpoint.js';
import { translatorWeights } from './cyclegan.js';
import { runDir, type RunRecord } from './run-files.js';
import { loadSnapshot } from './snapshots.js';

/**
 * The source -> target generator a run stands for: the step it registered when it finished (the
 * best by the selection rule, see RunRecord.generatorStep), or its latest checkpoint's while it
 * trains or when it chose none. What validation, generation and shipping all translate with.
 */
export async function runGenerator(dataDir: string, record: RunRecord): Promise<{ weights: NamedWeights; step: number }> {
  const dir = runDir(dataDir, record.runId);
  const checkpoint = await loadCheckpoint(dir);
  if (!checkpoint) throw new Error(`run ${record.runId} has no checkpoint yet`);
  const step = record.generatorStep ?? checkpoint.globalStep;
  if (step === checkpoint.globalStep) return { weights: translatorWeights(checkpoint.state.weights), step };
  return { weights: await loadSnapshot(dir, step), step };
}
