import { Sum, util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { GraphBuilder } from '../../../onnx/graph-builder.js';
import { attribute, INT64 } from '../../../onnx/onnx-proto.js';
import type { KernelArgs } from '../wasm-tensors.js';
import { kernelModel } from './kernel-model.js';
import type { KernelSessions } from './kernel-sessions.js';

/** y[c] = sum over rows of x [rows, channels]. */
export function channelSumModel(rows: number, channels: number): Uint8Array {
  const g = new GraphBuilder(['x', 'y']);
  const y = g.node('ReduceSum', 'sum', ['x', g.constant('axes', INT64, [1], [0])], [attribute.int('keepdims', 0)]);
  return kernelModel(g, { x: [rows, channels] }, { y: [y, [channels]] });
}

/**
 * Sum over every axis but the last (a bias's gradient: dy summed over N, H and W) as one
 * onnxruntime ReduceSum. tfjs-wasm first transposes the channels to the front: 57 ms of a
 * classifier step (batch 64) went to its 7 bias gradients; for the first layer's dy
 * (64 x 48 x 48 x 32) tfjs-wasm took 27-31 ms, a JS loop 25 ms, ReduceSum 1.6-2.7 ms. Other
 * reductions keep tfjs-wasm's kernel.
 */
export function onnxRuntimeChannelSumKernel(sessions: KernelSessions, wasmSum: KernelFunc): KernelConfig {
  function sum(args: KernelArgs<{ x: TensorInfo }>): TensorInfo {
    const { inputs, backend, attrs } = args;
    const { x } = inputs;
    const rank = x.shape.length;
    const axes = util.parseAxisParam(attrs.axis as number | number[], x.shape).sort((a, b) => a - b);
    const leading = rank >= 2 && axes.length === rank - 1 && axes.every((a, i) => a === i);
    if (!leading || x.dtype !== 'float32') return wasmSum(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    const channels = x.shape[rank - 1]!;
    const rows = util.sizeFromShape(x.shape) / channels;
    const shape = attrs.keepDims ? [...new Array<number>(rank - 1).fill(1), channels] : [channels];
    const model = () => channelSumModel(rows, channels);
    return sessions.run(backend, `channel-sum:${rows},${channels}`, model, { x }, { y: shape }, { x: [rows, channels], y: [channels] })[0]!;
  }
  return { kernelName: Sum, backendName: 'wasm', kernelFunc: sum as unknown as KernelFunc };
}
