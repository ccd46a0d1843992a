import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

/**
 * Holds one onnxruntime session on its own thread. onnxruntime-node's run() is a synchronous
 * native call (deferred by one setImmediate), so a session on the server's main thread would
 * stop every request, health check and response while a batch runs.
 */
export interface SessionWorkerData {
  entry: string;
  path: string;
  threads: number;
  provider: string;
}

export type SessionReady = { type: 'ready'; inputNames: readonly string[]; outputNames: readonly string[] } | { type: 'failed'; message: string };
export interface SessionRequest {
  id: number;
  input: string;
  output: string;
  batch: Float32Array;
  dims: number[];
}
export type SessionResponse = { id: number; ok: true; output: Float32Array; dims: readonly number[] } | { id: number; ok: false; message: string };

const port = parentPort!;
const data = workerData as SessionWorkerData;

try {
  const session = await ort.InferenceSession.create(data.path, {
    executionProviders: [data.provider],
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    intraOpNumThreads: data.threads,
    interOpNumThreads: 1,
  });
  port.on('message', async ({ id, input, output, batch, dims }: SessionRequest) => {
    try {
      const result = (await session.run({ [input]: new ort.Tensor('float32', batch, dims) }))[output]!;
      const values = result.data as Float32Array;
      port.postMessage({ id, ok: true, output: values, dims: result.dims } satisfies SessionResponse, [values.buffer as ArrayBuffer]);
    } catch (error) {
      port.postMessage({ id, ok: false, message: error instanceof Error ? error.message : String(error) } satisfies SessionResponse);
    }
  });
  port.postMessage({ type: 'ready', inputNames: session.inputNames, outputNames: session.outputNames } satisfies SessionReady);
} catch (error) {
  port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies SessionReady);
}
