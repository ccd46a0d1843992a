import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input.js';
import { depthwiseConv2dBackpropInputConfig } from './depthwise-conv2d-backprop-input.js';

/** Kernels faceaug adds to (or replaces in) the wasm backend so that conv nets train at XNNPACK speed. */
export const wasmTrainingKernels: KernelConfig[] = [conv2dBackpropFilterConfig, conv2dBackpropInputConfig, depthwiseConv2dBackpropInputConfig];

export function registerWasmTrainingKernels(): void {
  for (const config of wasmTrainingKernels) {
    if (getKernel(config.kernelName, config.backendName) !== undefined) {
      unregisterKernel(config.kernelName, config.backendName);
    }
    registerKernel(config);
  }
}
