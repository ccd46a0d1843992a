/**
 * Filter layouts and padding: TensorFlow's NHWC conventions restated in ONNX's NCHW ones.
 */
import type { WeightTensor } from '../../core/networks/weights.js';

/** Axis k of the result is axis perm[k] of `tensor`. */
function transpose4(tensor: WeightTensor, perm: readonly [number, number, number, number]): WeightTensor {
  const { shape, values } = tensor;
  if (shape.length !== 4) throw new RangeError(`expected a 4-d filter, got shape [${shape}]`);
  const strides = [shape[1]! * shape[2]! * shape[3]!, shape[2]! * shape[3]!, shape[3]!, 1];
  const outShape = perm.map((p) => shape[p]!);
  const [s0, s1, s2, s3] = perm.map((p) => strides[p]!) as [number, number, number, number];
  const [d0, d1, d2, d3] = outShape as [number, number, number, number];
  const out = new Float32Array(values.length);
  let o = 0;
  for (let a = 0; a < d0; a++)
    for (let b = 0; b < d1; b++)
      for (let c = 0; c < d2; c++)
        for (let d = 0; d < d3; d++) out[o++] = values[a * s0 + b * s1 + c * s2 + d * s3]!;
  return { shape: outShape, values: out };
}

/**
 * TF filter -> ONNX weight, one permutation for both kinds: Conv2D [KH, KW, CI, CO] -> Conv
 * [CO, CI, KH, KW], and conv2dTranspose [KH, KW, CO, CI] -> ConvTranspose [CI, CO, KH, KW]. A
 * transposed convolution in both scatters input pixel i to outputs stride*i + k with the kernel
 * unflipped, so only the axes move.
 */
export function filterToOnnx(filter: WeightTensor): WeightTensor {
  return transpose4(filter, [3, 2, 0, 1]);
}

export interface TransposePadding {
  /** Cropped from the start and the end of each spatial axis of the full transposed output. */
  begin: number;
  end: number;
  /** Zeros appended after the last row/column. */
  outputPadding: number;
}

/**
 * TF's 'same' transposed convolution (output = input * stride) as explicit ONNX padding. It is the
 * adjoint of a 'same' convolution from the output size, which pads k - s in total, the smaller half
 * first (k=3, s=2: 0 before, 1 after); that is independent of the image size, so H and W may stay
 * symbolic. When k < s the full output is short by s - k, made up with output_padding.
 */
export function sameTransposePadding(kernel: number, stride: number): TransposePadding {
  const total = kernel - stride;
  if (total < 0) return { begin: 0, end: 0, outputPadding: -total };
  const begin = Math.floor(total / 2);
  return { begin, end: total - begin, outputPadding: 0 };
}
