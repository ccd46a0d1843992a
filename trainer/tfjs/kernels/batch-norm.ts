import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { BATCH_NORM, BATCH_NORM_GRAD } from './custom-kernel-names.js';
import { allocate, heap, type KernelArgs } from './wasm-tensors.js';

/**
 * Training-mode batch norm over N, H and W of NHWC tensors, with its affine terms, as two wasm
 * kernels on the heap (two passes over memory each way):
 *   forward:  y = gamma * (x - mean) * rstd + beta,  rstd = 1 / sqrt(var + epsilon)
 *   gradient: dbeta = sum(dy), dgamma = sum(dy * xhat),
 *             dx = gamma * rstd * (dy - dbeta / M - xhat * dgamma / M),  xhat = (x - mean) * rstd
 * Pixels in memory order with one float64 accumulator per channel: unlike instance norm, a
 * channel's statistics span the whole batch (1.2M values at the classifier's first layer), far
 * more than a cache holds, so a stride-C walk per channel would read memory C times.
 */
function normalize({ inputs, backend, attrs }: KernelArgs<{ x: TensorInfo; gamma: TensorInfo; beta: TensorInfo }>): TensorInfo[] {
  const C = inputs.x.shape.at(-1)!;
  const epsilon = attrs.epsilon as number;
  const y = allocate(backend, inputs.x.shape);
  const [mean, variance, rstd] = [0, 1, 2].map(() => allocate(backend, [C])) as [TensorInfo, TensorInfo, TensorInfo];
  const [xs, ys, g, b, ms, vs, rs] = [inputs.x, y, inputs.gamma, inputs.beta, mean, variance, rstd].map((t) => heap(backend, t)) as Float32Array[];
  const sums = new Float64Array(C);
  const squares = new Float64Array(C);
  for (let p = 0; p < xs!.length; p += C) {
    for (let c = 0; c < C; c++) {
      const v = xs![p + c]!;
      sums[c]! += v;
      squares[c]! += v * v;
    }
  }
  const M = xs!.length / C;
  const scale = new Float32Array(C);
  const shift = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    const m = sums[c]! / M;
    const v = Math.max(0, squares[c]! / M - m * m);
    const r = 1 / Math.sqrt(v + epsilon);
    ms![c] = m;
    vs![c] = v;
    rs![c] = r;
    scale[c] = g![c]! * r;
    shift[c] = b![c]! - m * g![c]! * r;
  }
  for (let p = 0; p < xs!.length; p += C) {
    for (let c = 0; c < C; c++) ys![p + c] = xs![p + c]! * scale[c]! + shift[c]!;
  }
  return [y, mean, variance, rstd];
}

function gradient({ inputs, backend }: KernelArgs<{ dy: TensorInfo; x: TensorInfo; mean: TensorInfo; rstd: TensorInfo; gamma: TensorInfo }>): TensorInfo[] {
  const C = inputs.x.shape.at(-1)!;
  const dx = allocate(backend, inputs.x.shape);
  const dgamma = allocate(backend, [C]);
  const dbeta = allocate(backend, [C]);
  const [dys, xs, ms, rs, g, dxs, dg, db] = [inputs.dy, inputs.x, inputs.mean, inputs.rstd, inputs.gamma, dx, dgamma, dbeta].map((t) => heap(backend, t)) as Float32Array[];
  const sumDy = new Float64Array(C);
  const sumDyXhat = new Float64Array(C);
  for (let p = 0; p < xs!.length; p += C) {
    for (let c = 0; c < C; c++) {
      const d = dys![p + c]!;
      sumDy[c]! += d;
      sumDyXhat[c]! += d * (xs![p + c]! - ms![c]!) * rs![c]!;
    }
  }
  const M = xs!.length / C;
  const scale = new Float32Array(C);
  const meanDy = new Float32Array(C);
  const meanDyXhat = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    db![c] = sumDy[c]!;
    dg![c] = sumDyXhat[c]!;
    scale[c] = g![c]! * rs![c]!;
    meanDy[c] = sumDy[c]! / M;
    meanDyXhat[c] = sumDyXhat[c]! / M;
  }
  for (let p = 0; p < xs!.length; p += C) {
    for (let c = 0; c < C; c++) {
      const xhat = (xs![p + c]! - ms![c]!) * rs![c]!;
      dxs![p + c] = scale[c]! * (dys![p + c]! - meanDy[c]! - xhat * meanDyXhat[c]!);
    }
  }
  return [dx, dgamma, dbeta];
}

export const batchNormKernels: KernelConfig[] = [
  { kernelName: BATCH_NORM, backendName: 'wasm', kernelFunc: normalize as unknown as KernelFunc },
  { kernelName: BATCH_NORM_GRAD, backendName: 'wasm', kernelFunc: gradient as unknown as KernelFunc },
];
