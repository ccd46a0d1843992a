import { getKernel, type TensorInfo, type NamedAttrMap } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Small helpers for kernels that work on the wasm heap directly. Views into the heap go stale
 * whenever the heap grows, so callers take a fresh `heap(...)` view after every allocation.
 */
/** What tfjs passes a kernel function. */
export interface KernelArgs<Inputs> {
  inputs: Inputs;
  backend: BackendWasm;
  attrs: Record<string, unknown>;
}

export function heap(backend: BackendWasm, tensor: TensorInfo): Float32Array {
  return backend.typedArrayFromHeap(tensor) as Float32Array;
}

export function allocate(backend: BackendWasm, shape: number[]): TensorInfo {
  return backend.makeOutput(shape, 'float32');
}

export function release(backend: BackendWasm, ...tensors: TensorInfo[]): void {
  for (const tensor of tensors) backend.disposeData(tensor.dataId);
}

/** Runs another wasm kernel (XNNPACK-backed where tfjs has one) on heap tensors. */
export function runWasmKernel(
  backend: BackendWasm,
  name: string,
  inputs: Record<string, TensorInfo>,
  attrs: NamedAttrMap = {},
): TensorInfo {
  const kernel = getKernel(name, 'wasm');
  if (kernel === undefined) throw new Error(`wasm kernel '${name}' is not registered`);
  return kernel.kernelFunc({ inputs, backend, attrs }) as TensorInfo;
}

/**
 * a[M,K] @ b[K,N] through the wasm BatchMatMul kernel. Only the untransposed form is used: tfjs
 * routes it to XNNPACK (~20 GFLOP/s here), while either transpose flag falls back to a scalar loop
 * about ten times slower.
 */
export function matMul(backend: BackendWasm, a: TensorInfo, b: TensorInfo): TensorInfo {
  return runWasmKernel(backend, 'BatchMatMul', { a, b }, { transposeA: false, transposeB: false });
}
