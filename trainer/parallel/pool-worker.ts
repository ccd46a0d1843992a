import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../tfjs/backend.js';
import { listenForStop } from '../tfjs/stop-signal.js';

/** Entry point of one {@link runInWorkers} worker: runs the task module's `run` on each input it is sent. */
export interface PoolWorkerData {
  entry: string;
  task: string;
  backend?: string;
  threads: number;
  /** The parent's {@link StopSignal} flag. */
  stop: SharedArrayBuffer;
}

export type PoolRequest = { index: number; input: unknown };
export type PoolResponse = { index: number; ok: true; value: unknown } | { index: number; ok: false; message: string };

const port = parentPort!;
const data = workerData as PoolWorkerData;
listenForStop(data.stop);
await initBackend(data.backend, { threads: data.threads });
const { run } = (await import(data.task)) as { run: (input: unknown) => unknown };

port.on('message', async ({ index, input }: PoolRequest) => {
  try {
    port.postMessage({ index, ok: true, value: await run(input) } satisfies PoolResponse);
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    port.postMessage({ index, ok: false, message } satisfies PoolResponse);
  }
});
port.postMessage('ready');
