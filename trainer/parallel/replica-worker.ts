import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../tfjs/backend.js';
import { AllReduce } from './all-reduce.js';
import { listenForStop } from '../tfjs/stop-signal.js';
import type { CreateReplica, Replica } from './replica.js';

/** Entry point of one data-parallel worker; see {@link ReplicaGroup} for the protocol. */
export interface ReplicaWorkerData {
  entry: string;
  program: string;
  config: unknown;
  rank: number;
  size: number;
  backend?: string;
  threads: number;
  /** The parent's {@link StopSignal} flag. */
  stop: SharedArrayBuffer;
}

export type ReplicaRequest =
  | { type: 'attach'; buffer: SharedArrayBuffer; capacity: number }
  | { type: 'call'; id: number; method: string; arg: unknown };

export type ReplicaResponse =
  | { type: 'ready'; capacity: number; backend: string }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; message: string };

const port = parentPort!;
const data = workerData as ReplicaWorkerData;
listenForStop(data.stop);

const backend = await initBackend(data.backend, { threads: data.threads });
let allReduce: AllReduce | undefined;
const { createReplica } = (await import(data.program)) as { createReplica: CreateReplica<unknown> };
const replica: Replica = await createReplica(data.config, {
  rank: data.rank,
  size: data.size,
  allReduceMean: (values) => {
    if (!allReduce) throw new Error('all-reduce used before the group attached its buffer');
    return allReduce.mean(values);
  },
});

/** Typed arrays in a result move to the main thread instead of being copied. */
function transferables(value: unknown): ArrayBuffer[] {
  if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer) return [value.buffer];
  if (value && typeof value === 'object') return Object.values(value).flatMap(transferables);
  return [];
}

port.on('message', async (request: ReplicaRequest) => {
  if (request.type === 'attach') {
    allReduce = new AllReduce(request.buffer, data.rank, data.size, request.capacity);
    return;
  }
  try {
    const method = replica[request.method];
    if (typeof method !== 'function') throw new Error(`replica has no method '${request.method}'`);
    const value = await method.call(replica, request.arg);
    const response: ReplicaResponse = { type: 'result', id: request.id, value };
    port.postMessage(response, [...new Set(transferables(value))]);
  } catch (error) {
    allReduce?.abort();
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    port.postMessage({ type: 'error', id: request.id, message } satisfies ReplicaResponse);
  }
});

port.postMessage({ type: 'ready', capacity: replica.allReduceCapacity, backend: backend.choice } satisfies ReplicaResponse);
