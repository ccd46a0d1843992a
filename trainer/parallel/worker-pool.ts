import { Worker } from 'node:worker_threads';
import type { PoolRequest, PoolResponse, PoolWorkerData } from './pool-worker.js';
import { StopSignal } from '../tfjs/stop-signal.js';
import { threadsPerWorker, workerCount } from './worker-count.js';

const TS_WORKER = new URL('../../core/ts-worker.mjs', import.meta.url);
const POOL_WORKER = new URL('./pool-worker.ts', import.meta.url);

export interface PoolOptions<Output> {
  /** Worker threads (default FACEAUG_WORKERS, or one per core); never more than there are inputs. */
  workers?: number;
  backend?: string;
  /** Called as each input finishes, e.g. to advance a progress bar or save a partial result. */
  onResult?: (index: number, value: Output) => void;
}

/**
 * Runs independent jobs (e.g. cross-validation folds) on a pool of worker threads. `task` is a
 * module URL exporting `run(input)`; results come back in input order. The first failure rejects
 * the whole run and stops the pool.
 */
export async function runInWorkers<Input, Output>(task: URL, inputs: Input[], options: PoolOptions<Output> = {}): Promise<Output[]> {
  const size = Math.min(workerCount(options.workers), inputs.length);
  if (size === 0) return [];
  const results: Output[] = new Array(inputs.length);
  let next = 0;
  let finished = 0;
  const workers: Worker[] = [];
  const stopSignal = new StopSignal();
  let stopping = false;
  try {
    await new Promise<void>((resolve, reject) => {
      const dispatch = (worker: Worker) => {
        if (stopping || next >= inputs.length) return;
        const index = next++;
        stopSignal.started(worker);
        worker.postMessage({ index, input: inputs[index] } satisfies PoolRequest);
      };
      for (let i = 0; i < size; i++) {
        const workerData: PoolWorkerData = { entry: POOL_WORKER.href, task: task.href, backend: options.backend, threads: threadsPerWorker(size), stop: stopSignal.buffer };
        const worker = new Worker(TS_WORKER, { workerData });
        workers.push(worker);
        worker.on('error', reject);
        worker.on('exit', (code) => {
          stopSignal.finished(worker, true);
          if (code !== 0) reject(new Error(`pool worker exited with code ${code}`));
        });
        worker.on('message', (message: 'ready' | PoolResponse) => {
          if (message === 'ready') return dispatch(worker);
          stopSignal.finished(worker);
          if (!message.ok) return reject(new Error(`job ${message.index} failed: ${message.message}`));
          results[message.index] = message.value as Output;
          options.onResult?.(message.index, message.value as Output);
          if (++finished === inputs.length) resolve();
          else dispatch(worker);
        });
      }
    });
  } finally {
    // After a failure the other workers may be mid-job; they stop at their next kernel call.
    stopping = true;
    await stopSignal.stop(workers);
  }
  return results;
}
