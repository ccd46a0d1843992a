import { Worker } from 'node:worker_threads';

/**
 * Stopping worker threads that run onnxruntime kernels. Terminating a thread while it is inside
 * onnxruntime's synchronous native run() aborts the whole process (the binding throws a C++
 * exception that nothing catches), so a parent first raises a shared flag, which makes the
 * worker's next kernel call throw (see {@link throwIfStopped}), waits until the worker has no call
 * in progress, and only then terminates it.
 */
export class StoppedError extends Error {
  override name = 'StoppedError';
  constructor() {
    super('the worker was asked to stop');
  }
}

let flag: Int32Array | undefined;

/** Called once by a worker entry point with the buffer its parent passed in workerData. */
export function listenForStop(buffer: SharedArrayBuffer): void {
  flag = new Int32Array(buffer);
}

/** Throws StoppedError once this thread's parent has asked it to stop. */
export function throwIfStopped(): void {
  if (flag !== undefined && Atomics.load(flag, 0) !== 0) throw new StoppedError();
}

/** The parent's side: the flag for its workers, and their in-progress calls. */
export class StopSignal {
  readonly buffer = new SharedArrayBuffer(4);
  private readonly busy = new Map<Worker, number>();
  private readonly idle = new Map<Worker, Array<() => void>>();

  /** Call when a call is posted to `worker`... */
  started(worker: Worker): void {
    this.busy.set(worker, (this.busy.get(worker) ?? 0) + 1);
  }

  /** ...and when its answer (or its exit) comes back. */
  finished(worker: Worker, all = false): void {
    const left = all ? 0 : Math.max(0, (this.busy.get(worker) ?? 0) - 1);
    this.busy.set(worker, left);
    if (left === 0) for (const wake of this.idle.get(worker)?.splice(0) ?? []) wake();
  }

  /**
   * Raises the flag, waits up to `graceMs` for every worker's calls in progress to end (the next
   * kernel call of each throws), then terminates them all.
   */
  async stop(workers: Worker[], graceMs = 30_000): Promise<void> {
    Atomics.store(new Int32Array(this.buffer), 0, 1);
    const settled = workers.map(
      (worker) =>
        new Promise<void>((resolve) => {
          if ((this.busy.get(worker) ?? 0) === 0) return resolve();
          this.idle.set(worker, [...(this.idle.get(worker) ?? []), resolve]);
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(settled), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
