import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { mirrorSource, type MirrorMode } from '../mirror-pad-gradient.js';
import { MIRROR_PAD_GRAD } from './custom-kernel-names.js';
import { allocate, heap, type KernelArgs } from './wasm-tensors.js';

/** One pass over dy on the wasm heap, adding each padded element onto the element it mirrors. */
function mirrorPadGrad({ inputs, backend, attrs }: KernelArgs<{ dy: TensorInfo }>): TensorInfo {
  const xShape = attrs.xShape as [number, number, number, number];
  const paddings = attrs.paddings as Array<[number, number]>;
  const mode = attrs.mode as MirrorMode;
  const [N, H, W, C] = xShape;
  const [, PH, PW] = inputs.dy.shape as [number, number, number, number];
  const out = allocate(backend, xShape);
  const src = heap(backend, inputs.dy);
  const dx = heap(backend, out).fill(0);
  const rows = Array.from({ length: PH }, (_, y) => mirrorSource(y, paddings[1]![0], H, mode));
  const cols = Array.from({ length: PW }, (_, x) => mirrorSource(x, paddings[2]![0], W, mode));
  for (let n = 0; n < N; n++) {
    for (let y = 0; y < PH; y++) {
      for (let x = 0; x < PW; x++) {
        const from = ((n * PH + y) * PW + x) * C;
        const to = ((n * H + rows[y]!) * W + cols[x]!) * C;
        for (let c = 0; c < C; c++) dx[to + c] += src[from + c]!;
      }
    }
  }
  return out;
}

export const mirrorPadGradConfig: KernelConfig = { kernelName: MIRROR_PAD_GRAD, backendName: 'wasm', kernelFunc: mirrorPadGrad as unknown as KernelFunc };
