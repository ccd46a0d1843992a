import { availableParallelism } from 'node:os';
import { readSetting } from '../../core/config.js';

/** Worker threads for data-parallel training and job pools: FACEAUG_WORKERS, or one per core. */
export function workerCount(requested?: number): number {
  const configured = requested ?? readSetting('workers');
  return configured > 0 ? configured : availableParallelism();
}

/** Threads each of `workers` concurrent workers may use for one kernel call: its share of the cores. */
export function threadsPerWorker(workers: number): number {
  return Math.max(1, Math.floor(availableParallelism() / workers));
}
