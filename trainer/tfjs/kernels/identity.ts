import { Identity, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';
import type { KernelArgs } from './wasm-tensors.js';

/**
 * tfjs keeps every tensor a gradient will need by running Identity on it, and tfjs-wasm's Identity
 * copies the data: about a tenth of a CycleGAN training step. Tensors are immutable, so sharing
 * the buffer under a second reference is enough, as tfjs-backend-cpu's Identity and wasm's own
 * Reshape do. Strings live outside the heap and keep the original kernel.
 */
export function sharingIdentity(copyingIdentity: KernelConfig): KernelConfig {
  return {
    kernelName: Identity,
    backendName: 'wasm',
    kernelFunc: ((args: KernelArgs<{ x: TensorInfo }>) => {
      const { x } = args.inputs;
      if (x.dtype === 'string') return copyingIdentity.kernelFunc(args as unknown as Parameters<KernelConfig['kernelFunc']>[0]);
      args.backend.incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    }) as unknown as KernelConfig['kernelFunc'],
  };
}
