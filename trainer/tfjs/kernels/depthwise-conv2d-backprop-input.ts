import { DepthwiseConv2dNativeBackpropInput, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import { convInfoFromAttrs } from './conv-geometry.js';
import { allocate, heap, type KernelArgs } from './wasm-tensors.js';

/**
 * Input gradient of a depthwise convolution, which stock tfjs-wasm lacks. Perceptual losses need
 * it: they differentiate a face network's features (separable convolutions) with respect to the
 * generated image. Depthwise work is a few multiply-adds per pixel and channel, so one direct
 * pass over dy (adding each output's contribution back onto the inputs it read) is enough.
 */
function depthwiseConv2dBackpropInput(args: KernelArgs<{ dy: TensorInfo; filter: TensorInfo }>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, filter } = inputs;
  const inputShape = attrs.inputShape as [number, number, number, number];
  const info = convInfoFromAttrs(inputShape, filter.shape, attrs, true);
  const [N, H, W, C] = inputShape;
  const { outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const M = filter.shape[3]!;
  const out = allocate(backend, inputShape);
  const dx = heap(backend, out);
  const g = heap(backend, dy);
  const w = heap(backend, filter);
  dx.fill(0);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const gBase = ((n * OH + oh) * OW + ow) * C * M;
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * strideHeight - info.padInfo.top + kh * dilationHeight;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * strideWidth - info.padInfo.left + kw * dilationWidth;
            if (iw < 0 || iw >= W) continue;
            const xBase = ((n * H + ih) * W + iw) * C;
            const wBase = (kh * KW + kw) * C * M;
            for (let c = 0; c < C; c++) {
              let sum = 0;
              for (let q = 0; q < M; q++) sum += g[gBase + c * M + q]! * w[wBase + c * M + q]!;
              dx[xBase + c] += sum;
            }
          }
        }
      }
    }
  }
  return out;
}

export const depthwiseConv2dBackpropInputConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dBackpropInput as unknown as KernelConfig['kernelFunc'],
};
