import { BatchMatMul, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { GraphBuilder } from '../../../onnx/graph-builder.js';
import { attribute } from '../../../onnx/onnx-proto.js';
import type { KernelArgs } from '../wasm-tensors.js';
import { kernelModel } from './kernel-model.js';
import type { KernelSessions } from './kernel-sessions.js';

const { int } = attribute;

/** c = op(a) @ op(b) for 2-D a and b, op a transpose where asked: one Gemm. */
export function matMulModel(m: number, k: number, n: number, transposeA: boolean, transposeB: boolean): Uint8Array {
  const g = new GraphBuilder(['a', 'b', 'c']);
  const c = g.node('Gemm', 'product', ['a', 'b'], [int('transA', transposeA ? 1 : 0), int('transB', transposeB ? 1 : 0)]);
  return kernelModel(g, { a: transposeA ? [k, m] : [m, k], b: transposeB ? [n, k] : [k, n] }, { c: [c, [m, n]] });
}

/**
 * The wasm backend's BatchMatMul for a batch of one, run by onnxruntime's Gemm. tfjs-wasm sends
 * only the untransposed form to XNNPACK; the transposed forms that every dense layer's gradient
 * uses (dx = dy W^T, dW = x^T dy) run a scalar loop: in the classifier's step its 4608 x 256 layer
 * took 774 ms of BatchMatMul per 5 steps, the largest kernel. Batched products keep tfjs's kernel.
 */
export function onnxRuntimeMatMulKernel(sessions: KernelSessions, wasmMatMul: KernelFunc): KernelConfig {
  function batchMatMul(args: KernelArgs<{ a: TensorInfo; b: TensorInfo }>): TensorInfo {
    const { inputs, backend, attrs } = args;
    const { a, b } = inputs;
    const transposeA = attrs.transposeA as boolean;
    const transposeB = attrs.transposeB as boolean;
    // tfjs passes 2-D operands as they are and batches as rank 3 or more.
    const single = (t: TensorInfo) => t.shape.length >= 2 && t.shape.slice(0, -2).every((d) => d === 1);
    if (!single(a) || !single(b)) return wasmMatMul(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    const [ra, ca] = a.shape.slice(-2) as [number, number];
    const [rb, cb] = b.shape.slice(-2) as [number, number];
    const [m, k] = transposeA ? [ca, ra] : [ra, ca];
    const n = transposeB ? rb : cb;
    const key = `matmul:${m},${k},${n},${transposeA},${transposeB}`;
    const model = () => matMulModel(m, k, n, transposeA, transposeB);
    const batch = a.shape.slice(0, -2);
    return sessions.run(backend, key, model, { a, b }, { c: [...batch, m, n] }, { a: [ra, ca], b: [rb, cb], c: [m, n] })[0]!;
  }
  return { kernelName: BatchMatMul, backendName: 'wasm', kernelFunc: batchMatMul as unknown as KernelFunc };
}
