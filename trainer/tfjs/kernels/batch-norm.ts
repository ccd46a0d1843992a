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
 *
 * Data-parallel replicas pass `allReduceMean` (their ReplicaContext's): between the two passes
 * each replica's per-channel sums become the whole batch's, so every replica normalises with the
 * statistics one thread would see for the whole batch (a replica's half batch alone would give
 * noisier statistics, and results that depend on the number of replicas).
 */
type ReplicaMean = (values: Float32Array) => Float32Array;

/**
 * Count and two per-channel sums over this replica's pixels, or over every replica's: each sends
 * its own, and the mean of counts and the mean of sums keep the whole batch's ratios.
 */
function batchSums(count: number, first: Float64Array, second: Float64Array, allReduceMean?: ReplicaMean): [number, Float64Array, Float64Array] {
  if (!allReduceMean) return [count, first, second];
  const C = first.length;
  const packed = new Float32Array(1 + 2 * C);
  packed[0] = count;
  packed.set(first, 1);
  packed.set(second, 1 + C);
  const mean = allReduceMean(packed);
  return [mean[0]!, Float64Array.from(mean.subarray(1, 1 + C)), Float64Array.from(mean.subarray(1 + C))];
}

function normalize({ inputs, backend, attrs }: KernelArgs<{ x: TensorInfo; gamma: TensorInfo; beta: TensorInfo }>): TensorInfo[] {
  const C = inputs.x.shape.at(-1)!;
  const epsilon = attrs.epsilon as number;
  const y = allocate(backend, inputs.x.shape);
  const [mean, variance, rstd] = [0, 1, 2].map(() => allocate(backend, [C])) as [TensorInfo, TensorInfo, TensorInfo];
  const [xs, ys, g, b, ms, vs, rs] = [inputs.x, y, inputs.gamma, inputs.beta, mean, variance, rstd].map((t) => heap(backend, t)) as Float32Array[];
  const localSums = new Float64Array(C);
  const localSquares = new Float64Array(C);
  for (let p = 0; p < xs!.length; p += C) {
    for (let c = 0; c < C; c++) {
      const v = xs![p + c]!;
      localSums[c]! += v;
      localSquares[c]! += v * v;
    }
  }
  const [M, sums, squares] = batchSums(xs!.length / C, localSums, localSquares, attrs.allReduceMean as ReplicaMean | undefined);
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

function gradient({ inputs, backend, attrs }: KernelArgs<{ dy: TensorInfo; x: TensorInfo; mean: TensorInfo; rstd: TensorInfo; gamma: TensorInfo }>): TensorInfo[] {
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
  // dgamma and dbeta stay this replica's own: they are weight gradients, averaged with the rest.
  const [M, batchDy, batchDyXhat] = batchSums(xs!.length / C, sumDy, sumDyXhat, attrs.allReduceMean as ReplicaMean | undefined);
  const scale = new Float32Array(C);
  const meanDy = new Float32Array(C);
  const meanDyXhat = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    db![c] = sumDy[c]!;
    dg![c] = sumDyXhat[c]!;
    scale[c] = g![c]! * rs![c]!;
    meanDy[c] = batchDy[c]! / M;
    meanDyXhat[c] = batchDyXhat[c]! / M;
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
