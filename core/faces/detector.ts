import { Worker } from 'node:worker_threads';
import type { FaceBox } from './face-api.js';
import type { Point } from './similarity.js';

const TS_WORKER = new URL('../ts-worker.mjs', import.meta.url);
const DETECTOR_WORKER = new URL('./detector-worker.ts', import.meta.url);

/** A face the detector found, in the coordinates of the image it was given. */
export interface DetectedFace {
  box: FaceBox;
  /** SSD's confidence, 0..1. */
  score: number;
  /** The 68 iBUG landmarks: jaw 0-16, brows 17-26, nose 27-35, eyes 36-41 (image left) and 42-47, mouth 48-67. */
  landmarks: Point[];
}

export interface DetectorWorkerData {
  entry: string;
  minScore: number;
}
export type DetectorReady = { type: 'ready'; backend: string } | { type: 'failed'; message: string };
export type DetectorRequest = { id: number; type: 'detect'; rgb: Uint8Array; width: number; height: number } | { id: number; type: 'tensors' };
export type DetectorResponse = { id: number; ok: true; faces: DetectedFace[]; tensors: number } | { id: number; ok: false; message: string };

/**
 * face-api's detector and landmark network on a worker thread of their own: the event loop keeps
 * serving while a photo is searched (a few hundred ms on two cores), and the TensorFlow.js
 * backend they need stays out of the calling thread. Calls are serialised, as one wasm instance
 * runs one graph at a time anyway.
 */
export class FaceDetector {
  private tail: Promise<unknown> = Promise.resolve();
  private nextId = 0;
  private readonly pending = new Map<number, (response: DetectorResponse) => void>();
  private failure: Error | undefined;

  private constructor(
    private readonly worker: Worker,
    readonly backend: string,
  ) {
    worker.on('message', (response: DetectorResponse) => {
      const settle = this.pending.get(response.id);
      this.pending.delete(response.id);
      settle?.(response);
    });
    const fail = (error: Error) => {
      this.failure ??= error;
      for (const settle of this.pending.values()) settle({ id: -1, ok: false, message: error.message });
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the face detector thread exited with code ${code}`)));
  }

  /** Starts the thread and loads both networks (about a second); `minScore` is the least SSD confidence that counts as a face. */
  static async start(minScore: number): Promise<FaceDetector> {
    const workerData: DetectorWorkerData = { entry: DETECTOR_WORKER.href, minScore };
    const worker = new Worker(TS_WORKER, { workerData });
    const ready = await new Promise<DetectorReady>((resolve, reject) => {
      const exited = (code: number) => reject(new Error(`the face detector thread exited with code ${code} while loading`));
      worker.once('message', (message: DetectorReady) => {
        worker.off('error', reject).off('exit', exited);
        resolve(message);
      });
      worker.once('error', reject).once('exit', exited);
    });
    if (ready.type === 'failed') {
      await worker.terminate();
      throw new Error(`the face detector cannot start: ${ready.message}`);
    }
    return new FaceDetector(worker, ready.backend);
  }

  /** Faces and landmarks in an RGB image (3 bytes per pixel, rows top to bottom). */
  async detect(rgb: Uint8Array, width: number, height: number): Promise<DetectedFace[]> {
    if (rgb.length !== width * height * 3) throw new RangeError(`an RGB ${width}x${height} image has ${width * height * 3} bytes, got ${rgb.length}`);
    const copy = rgb.slice();
    const response = await this.call((id) => ({ request: { id, type: 'detect', rgb: copy, width, height }, transfer: [copy.buffer as ArrayBuffer] }));
    return response.faces;
  }

  /** TensorFlow.js tensors alive on the detector's thread: constant between calls, or something leaks. */
  async tensorCount(): Promise<number> {
    return (await this.call((id) => ({ request: { id, type: 'tensors' }, transfer: [] }))).tensors;
  }

  private call(build: (id: number) => { request: DetectorRequest; transfer: ArrayBuffer[] }): Promise<Extract<DetectorResponse, { ok: true }>> {
    const result = this.tail.then(
      () =>
        new Promise<Extract<DetectorResponse, { ok: true }>>((resolve, reject) => {
          if (this.failure) return reject(this.failure);
          const { request, transfer } = build(this.nextId++);
          this.pending.set(request.id, (response) => (response.ok ? resolve(response) : reject(new Error(`face detection failed: ${response.message}`))));
          this.worker.postMessage(request, transfer);
        }),
    );
    this.tail = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    await this.tail;
    this.failure ??= new Error('the face detector is closed');
    await this.worker.terminate();
  }
}
