import { Conv2DBackpropInput, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { convGeometry, convInfoFromAttrs, type ConvGeometry } from './conv-geometry.js';
import { col2imAdd } from './col2im.js';
import { transpose2d } from './transpose.js';
import { allocate, heap, matMul, release, runWasmKernel, type KernelArgs } from './wasm-tensors.js';

const MAX_PATCH_FLOATS = 1 << 22;

/**
 * Stride 1: the input gradient is itself a convolution of dy with the filter rotated by 180
 * degrees and its channel axes swapped, so it runs on the XNNPACK convolution unchanged.
 * Returns undefined when the forward padding has no such equivalent.
 */
function viaFlippedConvolution(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, g: ConvGeometry) {
  if (g.strideHeight !== 1 || g.strideWidth !== 1) return undefined;
  const top = g.filterHeight - 1 - g.padTop;
  const left = g.filterWidth - 1 - g.padLeft;
  const bottom = g.inHeight - 1 - g.outHeight - top + g.filterHeight;
  const right = g.inWidth - 1 - g.outWidth - left + g.filterWidth;
  if (Math.min(top, left, bottom, right) < 0) return undefined;

  const { filterHeight: KH, filterWidth: KW, inChannels: CI, outChannels: CO } = g;
  const flipped = allocate(backend, [KH, KW, CO, CI]);
  const src = heap(backend, filter);
  const dst = heap(backend, flipped);
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      const from = ((KH - 1 - kh) * KW + (KW - 1 - kw)) * CI * CO;
      const to = (kh * KW + kw) * CO * CI;
      transpose2d(src.subarray(from, from + CI * CO), CI, CO, dst.subarray(to, to + CO * CI));
    }
  }
  const dx = runWasmKernel(
    backend,
    'Conv2D',
    { x: dy, filter: flipped },
    {
      strides: [1, 1],
      dilations: [1, 1],
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      dataFormat: 'NHWC',
    },
  );
  release(backend, flipped);
  return dx;
}

/** Any stride: dx = col2im(dy @ W^T), in row chunks so the patch matrix stays bounded. */
function viaPatchMatrix(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, g: ConvGeometry, inputShape: number[]) {
  const rows = g.batch * g.outHeight * g.outWidth;
  const patchLength = g.filterHeight * g.filterWidth * g.inChannels;
  const channelsOut = g.outChannels;
  const chunkRows = Math.max(1, Math.min(rows, Math.floor(MAX_PATCH_FLOATS / patchLength)));

  const filterT = allocate(backend, [channelsOut, patchLength]);
  transpose2d(heap(backend, filter), patchLength, channelsOut, heap(backend, filterT));
  const dx = allocate(backend, inputShape);
  heap(backend, dx).fill(0);
  for (let start = 0; start < rows; start += chunkRows) {
    const end = Math.min(rows, start + chunkRows);
    const dyRows = allocate(backend, [end - start, channelsOut]);
    heap(backend, dyRows).set(heap(backend, dy).subarray(start * channelsOut, end * channelsOut));
    const patches = matMul(backend, dyRows, filterT);
    col2imAdd(heap(backend, patches), g, start, end, heap(backend, dx));
    release(backend, dyRows, patches);
  }
  release(backend, filterT);
  return dx;
}

function conv2dBackpropInput(args: KernelArgs<{ dy: TensorInfo; filter: TensorInfo }>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const inputShape = attrs.inputShape as [number, number, number, number];
  const info = convInfoFromAttrs(inputShape, filter.shape, attrs);
  const g = convGeometry(info);
  return viaFlippedConvolution(backend, dy, filter, g) ?? viaPatchMatrix(backend, dy, filter, g, inputShape);
}

export const conv2dBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInput as unknown as KernelConfig['kernelFunc'],
};
