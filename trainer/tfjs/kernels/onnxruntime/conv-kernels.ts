import { Conv2D, Conv2DBackpropFilter, Conv2DBackpropInput, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { convGeometry, convInfoFromAttrs, type ConvGeometry } from '../conv-geometry.js';
import type { KernelArgs } from '../wasm-tensors.js';
import { conv2dBackpropFilterModel, conv2dBackpropInputModel, conv2dModel } from './conv-graphs.js';
import type { KernelSessions } from './kernel-sessions.js';

const key = (op: string, g: ConvGeometry) => `${op}:${Object.values(g).join(',')}`;

/** The wasm backend's convolution kernels, forward and both gradients, run by onnxruntime. */
export function onnxRuntimeConvKernels(sessions: KernelSessions, xnnpackConv2D: KernelFunc): KernelConfig[] {
  function conv2d(args: KernelArgs<{ x: TensorInfo; filter: TensorInfo }>): TensorInfo {
    const { inputs, backend, attrs } = args;
    const info = convInfoFromAttrs(inputs.x.shape, inputs.filter.shape, attrs);
    // Dilated and NCHW convolutions do not occur in faceaug's networks; XNNPACK keeps them.
    if (info.dilationHeight !== 1 || info.dilationWidth !== 1 || info.dataFormat !== 'channelsLast') {
      return xnnpackConv2D(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    }
    const g = convGeometry(info);
    return sessions.run(backend, key('conv2d', g), () => conv2dModel(g), inputs, { y: [g.batch, g.outHeight, g.outWidth, g.outChannels] })[0]!;
  }

  function conv2dBackpropInput(args: KernelArgs<{ dy: TensorInfo; filter: TensorInfo }>): TensorInfo {
    const { inputs, backend, attrs } = args;
    const g = convGeometry(convInfoFromAttrs(attrs.inputShape as number[], inputs.filter.shape, attrs));
    return sessions.run(backend, key('dx', g), () => conv2dBackpropInputModel(g), inputs, { dx: attrs.inputShape as number[] })[0]!;
  }

  function conv2dBackpropFilter(args: KernelArgs<{ x: TensorInfo; dy: TensorInfo }>): TensorInfo {
    const { inputs, backend, attrs } = args;
    const g = convGeometry(convInfoFromAttrs(inputs.x.shape, attrs.filterShape as number[], attrs));
    return sessions.run(backend, key('dw', g), () => conv2dBackpropFilterModel(g), inputs, { dw: attrs.filterShape as number[] })[0]!;
  }

  const config = (kernelName: string, kernelFunc: unknown): KernelConfig => ({ kernelName, backendName: 'wasm', kernelFunc: kernelFunc as KernelFunc });
  return [config(Conv2D, conv2d), config(Conv2DBackpropInput, conv2dBackpropInput), config(Conv2DBackpropFilter, conv2dBackpropFilter)];
}
