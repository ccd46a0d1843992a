import { backend_util, Conv2DBackpropFilter, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { convGeometry } from './conv-geometry.js';
import { im2col, transpose2d } from './im2col.js';
import { allocate, heap, matMul, release } from './wasm-tensors.js';

/** Upper bound on the patch matrix held at once (floats); larger problems are done in row chunks. */
const MAX_PATCH_FLOATS = 1 << 22;

/**
 * dW = patches(x)^T @ dy, computed as (dy^T @ patches)^T so the product is an untransposed
 * XNNPACK matmul; dy^T and the final [CO, K] -> [K, CO] flip are cheap copies in comparison.
 */
function conv2dBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: BackendWasm;
  attrs: Record<string, unknown>;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const filterShape = attrs.filterShape as [number, number, number, number];
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    attrs.strides as [number, number],
    1,
    attrs.pad as backend_util.PadInfo['type'] & ('same' | 'valid'),
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    false,
    backend_util.convertConv2DDataFormat(attrs.dataFormat as 'NHWC' | 'NCHW'),
  );
  const g = convGeometry(info);
  const rows = g.batch * g.outHeight * g.outWidth;
  const patchLength = g.filterHeight * g.filterWidth * g.inChannels;
  const channelsOut = g.outChannels;
  const chunkRows = Math.max(1, Math.min(rows, Math.floor(MAX_PATCH_FLOATS / patchLength)));

  const accumulated = new Float32Array(channelsOut * patchLength);
  for (let start = 0; start < rows; start += chunkRows) {
    const end = Math.min(rows, start + chunkRows);
    const patches = allocate(backend, [end - start, patchLength]);
    const dyT = allocate(backend, [channelsOut, end - start]);
    im2col(heap(backend, x), g, start, end, heap(backend, patches));
    const dyRows = heap(backend, dy).subarray(start * channelsOut, end * channelsOut);
    transpose2d(dyRows, end - start, channelsOut, heap(backend, dyT));
    const product = matMul(backend, dyT, patches);
    const values = heap(backend, product);
    for (let i = 0; i < accumulated.length; i++) accumulated[i] += values[i];
    release(backend, patches, dyT, product);
  }

  const out = allocate(backend, filterShape);
  transpose2d(accumulated, channelsOut, patchLength, heap(backend, out));
  return out;
}

export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as KernelConfig['kernelFunc'],
};
