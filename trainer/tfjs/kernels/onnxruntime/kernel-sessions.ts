import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { throwIfStopped } from '../../stop-signal.js';
import { allocate, heap } from '../wasm-tensors.js';
import { SyncOnnxSession, type TensorView } from './sync-session.js';

/**
 * onnxruntime sessions of one thread's kernels, one per model, made on first use (a network has a
 * few dozen distinct layer shapes and runs each thousands of times), run on tensors' wasm-heap
 * memory in place.
 */
export class KernelSessions {
  private readonly sessions = new Map<string, SyncOnnxSession>();

  constructor(private readonly threads: number) {}

  /**
   * Runs the model named `key` (built by `build` the first time) on `inputs`; returns new tensors
   * of the given shapes, in the order of `outputs`. `dims` gives the model's own shape of a tensor
   * where it differs from tfjs's (the same memory read with fewer axes).
   */
  run(
    backend: BackendWasm,
    key: string,
    build: () => Uint8Array,
    inputs: Record<string, TensorInfo>,
    outputs: Record<string, number[]>,
    dims: Record<string, readonly number[]> = {},
  ): TensorInfo[] {
    throwIfStopped();
    let session = this.sessions.get(key);
    if (!session) {
      session = SyncOnnxSession.create(build(), this.threads);
      this.sessions.set(key, session);
    }
    // Outputs first: allocating can grow the heap, which detaches views taken before.
    const results = Object.values(outputs).map((shape) => allocate(backend, shape));
    const view = (name: string, t: TensorInfo): TensorView => ({ data: heap(backend, t), dims: dims[name] ?? t.shape });
    session.run(
      Object.fromEntries(Object.entries(inputs).map(([name, t]) => [name, view(name, t)])),
      Object.fromEntries(Object.keys(outputs).map((name, i) => [name, view(name, results[i]!)])),
    );
    return results;
  }
}
