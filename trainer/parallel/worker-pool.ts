import { Worker } from 'node:worker_threads';
import type { PoolRequest, PoolResponse, PoolWorkerData } from './pool-worker.js';
import { StopSignal } from '../tfjs/stop-signal.js';
import { threadsPerWorker, workerCount } from './worker-count.js';

const TS_WORKER = new URL('../../core/ts-worker.mjs', import.meta.url);
const POOL_WORKER = new URL('./pool-worker.ts', import.meta.url);

interface Waiting {
  input: unknown;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * Worker threads that each run a task module's `run(input)` (`task` is its URL), one input at a
 * time per thread, fed for as long as the pool is open: independent jobs such as the arms of
 * cross-validation folds, from a list ({@link runInWorkers}) or a queue (the fold worker). Each
 * thread keeps its module loaded, and so whatever the module caches, between inputs.
 */
export class WorkerPool<Input, Output> {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly waiting: Waiting[] = [];
  private readonly inFlight = new Map<Worker, Waiting>();
  private readonly stopSignal = new StopSignal();
  /** Set once the pool cannot take more inputs: closed, or a thread died. */
  private broken: Error | undefined;
  private nextRequest = 0;

  /**
   * Starts `workers` threads (default FACEAUG_WORKERS, or one per core), each using `threads` for
   * a kernel (default: its share of the cores).
   */
  constructor(task: URL, options: { workers?: number; backend?: string; threads?: number } = {}) {
    const size = workerCount(options.workers);
    const threads = options.threads ?? threadsPerWorker(size);
    for (let i = 0; i < size; i++) {
      const workerData: PoolWorkerData = { entry: POOL_WORKER.href, task: task.href, backend: options.backend, threads, stop: this.stopSignal.buffer };
      const worker = new Worker(TS_WORKER, { workerData });
      this.workers.push(worker);
      worker.on('error', (error) => this.lose(worker, error));
      worker.on('exit', (code) => {
        this.stopSignal.finished(worker, true);
        this.lose(worker, new Error(`pool worker exited with code ${code}`));
      });
      worker.on('message', (message: 'ready' | PoolResponse) => {
        if (message !== 'ready') {
          this.stopSignal.finished(worker);
          const job = this.inFlight.get(worker);
          this.inFlight.delete(worker);
          if (message.ok) job?.resolve(message.value);
          else job?.reject(new Error(message.message));
        }
        this.idle.push(worker);
        this.dispatch();
      });
    }
  }

  /** False once the pool takes no more inputs: closed, or one of its threads died. */
  get open(): boolean {
    return this.broken === undefined;
  }

  /** Runs `input` on the next free thread; rejects with the task's error, or when the pool closes or breaks first. */
  run(input: Input): Promise<Output> {
    if (this.broken) return Promise.reject(this.broken);
    return new Promise<Output>((resolve, reject) => {
      this.waiting.push({ input, resolve: resolve as (value: unknown) => void, reject });
      this.dispatch();
    });
  }

  /**
   * Stops the pool: inputs still waiting are rejected, those running stop at their next kernel
   * call (never inside onnxruntime, which would abort the process) and reject, then the threads end.
   */
  async close(): Promise<void> {
    this.refuse(new Error('the worker pool was closed'));
    await this.stopSignal.stop(this.workers);
  }

  private dispatch(): void {
    while (!this.broken && this.idle.length > 0 && this.waiting.length > 0) {
      const worker = this.idle.shift()!;
      const job = this.waiting.shift()!;
      this.inFlight.set(worker, job);
      this.stopSignal.started(worker);
      worker.postMessage({ index: this.nextRequest++, input: job.input } satisfies PoolRequest);
    }
  }

  /** Takes no more inputs and rejects those waiting. */
  private refuse(error: Error): void {
    this.broken ??= error;
    for (const job of this.waiting.splice(0)) job.reject(this.broken);
  }

  /** A thread died (or ended when the pool closed): its input fails, and the pool takes no more. */
  private lose(worker: Worker, error: Error): void {
    this.inFlight.get(worker)?.reject(error);
    this.inFlight.delete(worker);
    this.refuse(error);
  }
}

export interface PoolOptions<Output> {
  /** Worker threads (default FACEAUG_WORKERS, or one per core); never more than there are inputs. */
  workers?: number;
  backend?: string;
  /** Called as each input finishes, e.g. to advance a progress bar or save a partial result. */
  onResult?: (index: number, value: Output) => void;
}

/**
 * Runs independent jobs (e.g. cross-validation folds) on a {@link WorkerPool}; results come back
 * in input order. The first failure rejects the whole run and stops the pool.
 */
export async function runInWorkers<Input, Output>(task: URL, inputs: Input[], options: PoolOptions<Output> = {}): Promise<Output[]> {
  const size = Math.min(workerCount(options.workers), inputs.length);
  if (size === 0) return [];
  const pool = new WorkerPool<Input, Output>(task, { workers: size, backend: options.backend });
  try {
    return await Promise.all(
      inputs.map(async (input, index) => {
        const value = await pool.run(input).catch((error: Error) => {
          throw new Error(`job ${index} failed: ${error.message}`);
        });
        options.onResult?.(index, value);
        return value;
      }),
    );
  } finally {
    // After a failure the other workers may be mid-job; they stop at their next kernel call.
    await pool.close();
  }
}
