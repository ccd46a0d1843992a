import { BatchMatMul, Conv2D, getKernel, Identity, MaxPoolGrad, registerKernel, Sum, unregisterKernel, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs-core';
import { batchNormKernels } from './batch-norm.js';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input.js';
import { depthwiseConv2dBackpropInputConfig } from './depthwise-conv2d-backprop-input.js';
import { sharingIdentity } from './identity.js';
import { instanceNormKernels } from './instance-norm.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { mirrorPadGradConfig } from './mirror-pad-grad.js';
import { onnxRuntimeChannelSumKernel } from './onnxruntime/channel-sum.js';
import { onnxRuntimeMatMulKernel } from './onnxruntime/mat-mul.js';
import { onnxRuntimeConvKernels } from './onnxruntime/conv-kernels.js';
import { KernelSessions } from './onnxruntime/kernel-sessions.js';
import { onnxRuntimeUnavailable } from './onnxruntime/sync-session.js';

/**
 * Who runs the wasm backend's convolutions: onnxruntime's MLAS kernels (native AVX2/AVX-512;
 * a CycleGAN training step runs three times as fast as with XNNPACK here, `npm run bench:train`),
 * or tfjs-wasm's own XNNPACK with faceaug's gradient kernels, for platforms onnxruntime-node has
 * no binary for.
 */
export const CONV_ENGINES = ['onnxruntime', 'xnnpack'] as const;
export type ConvEngine = (typeof CONV_ENGINES)[number];

export interface RegisteredKernels {
  engine: ConvEngine;
  /** Why onnxruntime was asked for and not used. */
  fallback?: string;
}

/** tfjs-wasm's own kernels that faceaug replaces, kept for what the replacements hand back. */
let xnnpackConv2D: KernelConfig | undefined;
let copyingIdentity: KernelConfig | undefined;
let wasmMatMul: KernelConfig | undefined;
let wasmMaxPoolGrad: KernelConfig | undefined;
let wasmSum: KernelConfig | undefined;

function replace(config: KernelConfig): void {
  if (getKernel(config.kernelName, config.backendName) !== undefined) unregisterKernel(config.kernelName, config.backendName);
  registerKernel(config);
}

/** Registers the kernels wasm lacks or runs slowly; `threads` is what one onnxruntime call may use. */
export function registerWasmTrainingKernels(requested: ConvEngine, threads: number): RegisteredKernels {
  xnnpackConv2D ??= getKernel(Conv2D, 'wasm');
  copyingIdentity ??= getKernel(Identity, 'wasm');
  wasmMatMul ??= getKernel(BatchMatMul, 'wasm');
  wasmMaxPoolGrad ??= getKernel(MaxPoolGrad, 'wasm');
  wasmSum ??= getKernel(Sum, 'wasm');
  if (!xnnpackConv2D || !copyingIdentity || !wasmMatMul || !wasmMaxPoolGrad || !wasmSum) throw new Error('the wasm backend must be loaded before its kernels are registered');
  const fallback = requested === 'onnxruntime' ? onnxRuntimeUnavailable() : undefined;
  const engine: ConvEngine = fallback === undefined ? requested : 'xnnpack';
  const sessions = new KernelSessions(threads);
  const products =
    engine === 'onnxruntime'
      ? [
          ...onnxRuntimeConvKernels(sessions, xnnpackConv2D.kernelFunc as KernelFunc),
          onnxRuntimeMatMulKernel(sessions, wasmMatMul.kernelFunc as KernelFunc),
          onnxRuntimeChannelSumKernel(sessions, wasmSum.kernelFunc as KernelFunc),
        ]
      : [xnnpackConv2D, conv2dBackpropFilterConfig, conv2dBackpropInputConfig, wasmMatMul, wasmSum];
  const others = [
    depthwiseConv2dBackpropInputConfig,
    ...instanceNormKernels,
    ...batchNormKernels,
    maxPoolGradConfig(wasmMaxPoolGrad.kernelFunc as KernelFunc),
    mirrorPadGradConfig,
    sharingIdentity(copyingIdentity),
  ];
  for (const config of [...products, ...others]) replace(config);
  return { engine, fallback };
}
