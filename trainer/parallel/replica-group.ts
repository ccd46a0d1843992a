import { Worker } from 'node:worker_threads';
import { allReduceBufferBytes } from './all-reduce.js';
import { StopSignal } from '../tfjs/stop-signal.js';
import { threadsPerWorker } from './worker-count.js';
import type { ReplicaRequest, ReplicaResponse, ReplicaWorkerData } from './replica-worker.js';

const TS_WORKER = new URL('../../core/ts-worker.mjs', import.meta.url);
const REPLICA_WORKER = new URL('./replica-worker.ts', import.meta.url);

export interface ReplicaGroupOptions<Config> {
  /** Module URL of the training program (exports `createReplica`). */
  program: URL;
  config: Config;
  workers: number;
  /** Backend for every worker (default: the same automatic choice as the main thread). */
  backend?: string;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * Data-parallel training over worker threads: one replica per worker, built from the same config
 * (and so the same seeded weights), kept equal by averaging gradients through {@link AllReduce}.
 */
export class ReplicaGroup {
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  private failure: Error | undefined;

  private constructor(
    private readonly workers: Worker[],
    readonly backend: string,
    private readonly stopSignal: StopSignal,
  ) {
    for (const worker of workers) {
      worker.on('message', (response: ReplicaResponse) => {
        if (response.type !== 'ready') stopSignal.finished(worker);
        this.settle(response);
      });
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => {
        stopSignal.finished(worker, true);
        if (code !== 0) this.fail(new Error(`replica worker exited with code ${code}`));
      });
    }
  }

  static async start<Config>(options: ReplicaGroupOptions<Config>): Promise<ReplicaGroup> {
    const size = options.workers;
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`workers must be a positive integer, got ${size}`);
    const stopSignal = new StopSignal();
    const workers = Array.from({ length: size }, (_, rank) => {
      const workerData: ReplicaWorkerData = {
        entry: REPLICA_WORKER.href,
        program: options.program.href,
        config: options.config,
        rank,
        size,
        backend: options.backend,
        threads: threadsPerWorker(size),
        stop: stopSignal.buffer,
      };
      return new Worker(TS_WORKER, { workerData });
    });
    let ready: Array<Extract<ReplicaResponse, { type: 'ready' }>>;
    try {
      ready = await Promise.all(workers.map((worker) => firstMessage(worker)));
    } catch (error) {
      await Promise.all(workers.map((worker) => worker.terminate()));
      throw error;
    }
    const capacity = Math.max(...ready.map((r) => r.capacity));
    const buffer = new SharedArrayBuffer(allReduceBufferBytes(size, capacity));
    for (const worker of workers) worker.postMessage({ type: 'attach', buffer, capacity } satisfies ReplicaRequest);
    return new ReplicaGroup(workers, ready[0]!.backend, stopSignal);
  }

  get size(): number {
    return this.workers.length;
  }

  /** Calls `method` on every replica, replica r with `args[r]`; resolves with their results in rank order. */
  all<T>(method: string, args: unknown[]): Promise<T[]> {
    if (args.length !== this.size) throw new RangeError(`expected ${this.size} arguments, got ${args.length}`);
    return Promise.all(args.map((arg, rank) => this.one<T>(rank, method, arg)));
  }

  one<T>(rank: number, method: string, arg?: unknown): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const promise = new Promise<T>((resolve, reject) => this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject }));
    const worker = this.workers[rank]!;
    this.stopSignal.started(worker);
    worker.postMessage({ type: 'call', id, method, arg } satisfies ReplicaRequest);
    return promise;
  }

  /** Stops the replicas; calls still running (after a failure) end at their next kernel call. */
  async close(): Promise<void> {
    await this.stopSignal.stop(this.workers);
  }

  private settle(response: ReplicaResponse): void {
    if (response.type === 'ready') return;
    const pending = this.pending.get(response.id);
    if (!pending) return;
    this.pending.delete(response.id);
    if (response.type === 'result') pending.resolve(response.value);
    else pending.reject(new Error(response.message));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}

function firstMessage(worker: Worker): Promise<Extract<ReplicaResponse, { type: 'ready' }>> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`replica worker exited with code ${code} during start-up`)));
  });
}
