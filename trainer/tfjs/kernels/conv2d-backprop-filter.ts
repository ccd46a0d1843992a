import { Conv2DBackpropFilter, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { convGeometry, convInfoFromAttrs } from './conv-geometry.js';
import { allocate, heap, release, runWasmKernel, type KernelArgs } from './wasm-tensors.js';

/**
 * The filter gradient is itself a convolution, with the roles of the axes exchanged:
 *
 *   dW[kh, kw, ci, co] = sum_{n, oh, ow} x[n, oh*s + kh - pad, ow*s + kw - pad, ci] * dy[n, oh, ow, co]
 *
 * Reading x as a batch of CI single images with N channels ([CI, H, W, N]) and dy as an
 * OH x OW filter from N to CO channels ([OH, OW, N, CO]) dilated by the stride, this is a plain
 * NHWC convolution whose [CI, KH, KW, CO] output is dW with its first axis moved. That runs on
 * XNNPACK's convolution at full speed, with no patch matrix, for every layer shape: the
 * low-intensity first and last layers of a generator (1 input or 1 output channel) included.
 */
function conv2dBackpropFilter(args: KernelArgs<{ x: TensorInfo; dy: TensorInfo }>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const filterShape = attrs.filterShape as [number, number, number, number];
  const info = convInfoFromAttrs(x.shape, filterShape, attrs);
  const g = convGeometry(info);
  const { batch: N, inChannels: CI, outChannels: CO, outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = g;

  // Rows and columns of x that no output reads (e.g. the last row of a stride-2 'valid' conv)
  // would need negative padding; crop them instead.
  const usedHeight = Math.min(g.inHeight, KH + g.strideHeight * (OH - 1) - g.padTop);
  const usedWidth = Math.min(g.inWidth, KW + g.strideWidth * (OW - 1) - g.padLeft);
  const padBottom = KH + g.strideHeight * (OH - 1) - usedHeight - g.padTop;
  const padRight = KW + g.strideWidth * (OW - 1) - usedWidth - g.padLeft;

  const images = allocate(backend, [CI, usedHeight, usedWidth, N]);
  const kernel = allocate(backend, [OH, OW, N, CO]);
  {
    const src = heap(backend, x);
    const dst = heap(backend, images);
    const { inHeight: H, inWidth: W } = g;
    for (let n = 0; n < N; n++) {
      for (let h = 0; h < usedHeight; h++) {
        for (let w = 0; w < usedWidth; w++) {
          const from = ((n * H + h) * W + w) * CI;
          const to = (h * usedWidth + w) * N + n;
          const stride = usedHeight * usedWidth * N;
          for (let c = 0; c < CI; c++) dst[to + c * stride] = src[from + c];
        }
      }
    }
    const dySrc = heap(backend, dy);
    const kernelDst = heap(backend, kernel);
    for (let n = 0; n < N; n++) {
      for (let p = 0; p < OH * OW; p++) {
        const from = (n * OH * OW + p) * CO;
        kernelDst.set(dySrc.subarray(from, from + CO), (p * N + n) * CO);
      }
    }
  }
  const gradient = runWasmKernel(
    backend,
    'Conv2D',
    { x: images, filter: kernel },
    {
      strides: [1, 1],
      dilations: [g.strideHeight, g.strideWidth],
      pad: [
        [0, 0],
        [g.padTop, padBottom],
        [g.padLeft, padRight],
        [0, 0],
      ],
      dataFormat: 'NHWC',
    },
  );
  release(backend, images, kernel);

  const out = allocate(backend, filterShape);
  {
    const src = heap(backend, gradient);
    const dst = heap(backend, out);
    const tap = KH * KW;
    for (let ci = 0; ci < CI; ci++) {
      for (let t = 0; t < tap; t++) {
        const from = (ci * tap + t) * CO;
        dst.set(src.subarray(from, from + CO), (t * CI + ci) * CO);
      }
    }
  }
  release(backend, gradient);
  return out;
}

export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as KernelConfig['kernelFunc'],
};
