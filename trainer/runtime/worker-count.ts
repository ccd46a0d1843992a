import { availableParallelism } from 'node:os';
import { readSetting } from '../../core/config.js';

/** Worker threads for data-parallel training and job pools: FACEAUG_WORKERS, or one per core. */
export function workerCount(requested?: number): number {
  const configured = requested ?? readSetting('workers');
  return configured > 0 ? configured : availableParallelism();
}
