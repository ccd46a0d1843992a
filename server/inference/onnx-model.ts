import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { FACE_PIXELS, FACE_SIZE, ONNX_INPUT, ONNX_OUTPUT } from '../../core/image-codec.js';
import { IntegrityError } from '../../db/errors.js';
import { type ModelRef, formatRef } from '../../db/registry.js';
import type { SessionReady, SessionRequest, SessionResponse, SessionWorkerData } from './session-worker.js';

const TS_WORKER = new URL('../../core/ts-worker.mjs', import.meta.url);
const SESSION_WORKER = new URL('./session-worker.ts', import.meta.url);

/**
 * One onnxruntime session over a registered generator, on its own worker thread so that the
 * event loop keeps serving while a batch runs. Calls are serialised: two concurrent runs would
 * only split the same cores, and one run at a time is what lets batches grow under load.
 */
export class OnnxModel {
  private tail: Promise<unknown> = Promise.resolve();
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (output: Float32Array) => void; reject: (error: Error) => void }>();
  private failure: Error | undefined;

  private constructor(
    readonly ref: ModelRef,
    readonly sha256: string,
    private readonly worker: Worker,
  ) {
    worker.on('message', (response: SessionResponse) => this.settle(response));
    worker.on('error', (error) => this.fail(error));
    worker.on('exit', (code) => this.fail(new Error(`the inference thread of ${formatRef(ref)} exited with code ${code}`)));
  }

  /**
   * `threads` 0 leaves one core to the event loop: a session with every core competes with the
   * HTTP parsing and image coding that feed it, and (measured here) one onnxruntime thread
   * alone already runs the reference generator at ~190 images/s against ~210 with two.
   */
  static async load(ref: ModelRef, sha256: string, path: string, threads: number, provider: string): Promise<OnnxModel> {
    const intraOpThreads = threads > 0 ? threads : Math.max(1, availableParallelism() - 1);
    const workerData: SessionWorkerData = { entry: SESSION_WORKER.href, path, threads: intraOpThreads, provider };
    const worker = new Worker(TS_WORKER, { workerData });
    const ready = await new Promise<SessionReady>((resolve, reject) => {
      const exited = (code: number) => reject(new Error(`the inference thread exited with code ${code} while loading`));
      worker.once('message', (message: SessionReady) => {
        worker.off('error', reject).off('exit', exited);
        resolve(message);
      });
      worker.once('error', reject).once('exit', exited);
    });
    if (ready.type === 'failed' || !ready.inputNames.includes(ONNX_INPUT) || !ready.outputNames.includes(ONNX_OUTPUT)) {
      await worker.terminate();
      if (ready.type === 'failed') throw new IntegrityError(`${formatRef(ref)}: onnxruntime cannot load the model: ${ready.message}`);
      throw new IntegrityError(
        `${formatRef(ref)}: the ONNX graph has inputs [${ready.inputNames}] and outputs [${ready.outputNames}], expected '${ONNX_INPUT}' and '${ONNX_OUTPUT}'`,
      );
    }
    return new OnnxModel(ref, sha256, worker);
  }

  /** Runs `count` faces packed NCHW in [-1, 1]; returns the outputs packed the same way. */
  run(batch: Float32Array, count: number): Promise<Float32Array> {
    const result = this.tail.then(
      () =>
        new Promise<Float32Array>((resolve, reject) => {
          if (this.failure) return reject(this.failure);
          const id = this.nextId++;
          this.pending.set(id, { resolve, reject });
          // A copy of exactly this batch moves to the worker; the caller keeps its buffer.
          const input = batch.slice(0, count * FACE_PIXELS);
          const request: SessionRequest = { id, input: ONNX_INPUT, output: ONNX_OUTPUT, batch: input, dims: [count, 1, FACE_SIZE, FACE_SIZE] };
          this.worker.postMessage(request, [input.buffer]);
        }),
    );
    this.tail = result.catch(() => undefined);
    return result;
  }

  private settle(response: SessionResponse): void {
    const waiting = this.pending.get(response.id);
    if (!waiting) return;
    this.pending.delete(response.id);
    if (!response.ok) return waiting.reject(new Error(response.message));
    const expected = response.output.length === (response.dims[0] ?? 0) * FACE_PIXELS;
    if (!expected) return waiting.reject(new IntegrityError(`${formatRef(this.ref)}: output shape [${response.dims}] is not [N, 1, ${FACE_SIZE}, ${FACE_SIZE}]`));
    waiting.resolve(response.output);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.pending.values()) waiting.reject(this.failure);
    this.pending.clear();
  }

  /** Releases the session once every run already queued on it has finished. */
  async close(): Promise<void> {
    await this.tail;
    this.failure ??= new Error(`${formatRef(this.ref)} is closed`);
    await this.worker.terminate();
  }
}
