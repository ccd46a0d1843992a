import { MaxPoolGrad, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { allocate, heap, type KernelArgs } from './wasm-tensors.js';

const pair = (v: unknown): [number, number] => (typeof v === 'number' ? [v, v] : (v as [number, number]));

/**
 * MaxPool's gradient for 2 x 2 windows at stride 2 without padding, the pooling of faceaug's
 * classifier: each window's dy goes to its first input equal to the pooled maximum (tfjs passes
 * the forward output), the other three get zero. One pass on the heap with selects instead of
 * branches: tfjs-wasm's own kernel took 425 ms per 5 classifier steps (3 layers at batch 64), a
 * branching argmax in JS 115 ms per first-layer call, this 55 ms (both measured on a loaded core).
 * Other geometries keep tfjs-wasm's kernel.
 */
export function maxPoolGradConfig(wasmMaxPoolGrad: KernelFunc): KernelConfig {
  function maxPoolGrad(args: KernelArgs<{ dy: TensorInfo; input: TensorInfo; output: TensorInfo }>): TensorInfo {
    const { inputs, backend, attrs } = args;
    const [sh, sw] = pair(attrs.strides);
    const [fh, fw] = pair(attrs.filterSize);
    const padded = attrs.pad !== 'valid' && attrs.pad !== 0;
    if (sh !== 2 || sw !== 2 || fh !== 2 || fw !== 2 || padded) return wasmMaxPoolGrad(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
    const [N, H, W, C] = inputs.input.shape as [number, number, number, number];
    const [, OH, OW] = inputs.dy.shape as [number, number, number, number];
    const dx = allocate(backend, [N, H, W, C]);
    const out = heap(backend, dx);
    const x = heap(backend, inputs.input);
    const y = heap(backend, inputs.output);
    const dy = heap(backend, inputs.dy);
    // An odd last row or column belongs to no window and gets no gradient.
    if (2 * OH < H || 2 * OW < W) out.fill(0);
    const row = W * C;
    for (let n = 0; n < N; n++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          const a = ((n * H + 2 * oh) * W + 2 * ow) * C;
          const b = a + C;
          const c = a + row;
          const d = c + C;
          const from = ((n * OH + oh) * OW + ow) * C;
          for (let k = 0; k < C; k++) {
            const max = y[from + k]!;
            const g = dy[from + k]!;
            const inA = x[a + k] === max;
            const inB = !inA && x[b + k] === max;
            const inC = !inA && !inB && x[c + k] === max;
            out[a + k] = inA ? g : 0;
            out[b + k] = inB ? g : 0;
            out[c + k] = inC ? g : 0;
            out[d + k] = inA || inB || inC ? 0 : g;
          }
        }
      }
    }
    return dx;
  }
  return { kernelName: MaxPoolGrad, backendName: 'wasm', kernelFunc: maxPoolGrad as unknown as KernelFunc };
}
