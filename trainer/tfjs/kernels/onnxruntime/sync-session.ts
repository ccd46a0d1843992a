import { createRequire } from 'node:module';
import type { Tensor } from 'onnxruntime-node';

/**
 * A synchronous onnxruntime session for tfjs kernels, which must return their outputs before
 * they return. onnxruntime-node's public `InferenceSession.run` is asynchronous only because it
 * defers the native call with setImmediate; the native binding underneath runs synchronously, so
 * this calls it directly. It is not a public API: a test pins its behaviour on each upgrade.
 */
interface NativeSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): void;
  run(feeds: Record<string, Tensor>, fetches: Record<string, Tensor>, options: object): Record<string, Tensor>;
  dispose(): void;
}

interface Binding {
  binding: { InferenceSession: new () => NativeSession };
  initOrt(): void;
}

interface Loaded {
  binding: Binding['binding'];
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => Tensor;
}

/** A float32 tensor in caller-owned memory (e.g. a view of the wasm heap). */
export interface TensorView {
  data: Float32Array;
  dims: readonly number[];
}

let loaded: Loaded | undefined;

/** Loaded on first use, not on import: where onnxruntime-node has no binary, the xnnpack engine runs instead. */
function nativeBinding(): Loaded {
  if (!loaded) {
    const require = createRequire(import.meta.url);
    const { Tensor } = require('onnxruntime-node') as { Tensor: Loaded['Tensor'] };
    const { binding, initOrt } = require('onnxruntime-node/dist/binding') as Binding;
    initOrt();
    loaded = { binding, Tensor };
  }
  return loaded;
}

export class SyncOnnxSession {
  private constructor(private readonly native: NativeSession) {}

  /**
   * `threads` is the session's intra-op thread count. Idle threads sleep instead of spinning:
   * training runs one replica per core, and a spinning pool would steal its neighbour's core.
   */
  static create(model: Uint8Array, threads: number): SyncOnnxSession {
    const native = new (nativeBinding().binding.InferenceSession)();
    native.loadModel(model.buffer, model.byteOffset, model.byteLength, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
    return new SyncOnnxSession(native);
  }

  /** Reads `inputs` and writes `outputs` in place: neither is copied. */
  run(inputs: Record<string, TensorView>, outputs: Record<string, TensorView>): void {
    const { Tensor } = nativeBinding();
    const tensors = (views: Record<string, TensorView>) =>
      Object.fromEntries(Object.entries(views).map(([name, { data, dims }]) => [name, new Tensor('float32', data, dims)]));
    this.native.run(tensors(inputs), tensors(outputs), {});
  }

  dispose(): void {
    this.native.dispose();
  }
}

/** Whether the native binding loads on this platform; the reason when it does not. */
export function onnxRuntimeUnavailable(): string | undefined {
  try {
    nativeBinding();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message.split('\n')[0] : String(error);
  }
}
