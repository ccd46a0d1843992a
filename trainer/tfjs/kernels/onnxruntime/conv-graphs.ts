/**
 * Small ONNX models for the three convolution kernels of training, on NHWC tensors and HWIO
 * filters as tfjs stores them, each built for one geometry and run by onnxruntime, whose MLAS
 * matrix products use the CPU's native vector width (AVX2/AVX-512 FMA) where wasm has 128 bits.
 *
 * Most convolutions become one matrix product over a patch matrix (im2col): in NHWC the patches
 * of a pixel and an HWIO filter are both laid out (kh, kw, channel), so neither needs a transpose,
 * and all images of the batch share one product, which keeps the product large for the small
 * feature maps of a discriminator's last layers. Measured per layer of the reference step at
 * batch 4 on one thread, against onnxruntime's own NCHW Conv/ConvTranspose with transposes:
 * forward 1.5x-4.9x faster (residual block 3.9 -> 2.6 ms, 512-channel PatchGAN layer 22.6 ->
 * 4.6 ms), dW 1.4x-2.6x; only strided dx stays a ConvTranspose, which was faster there.
 */
import { GraphBuilder } from '../../../onnx/graph-builder.js';
import { attribute, INT64 } from '../../../onnx/onnx-proto.js';
import type { ConvGeometry } from '../conv-geometry.js';
import { kernelModel } from './kernel-model.js';

const { int, ints } = attribute;
const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];
/** HWIO (tfjs) to OIHW (ONNX). */
const TO_OIHW = [3, 2, 0, 1];

/**
 * Below this many output channels a patch matrix costs more to build than its product saves
 * (a generator's 1-channel last layer: 0.6x the time as a direct convolution); from 32 on the
 * product form takes 0.3x-0.5x the time of onnxruntime's own convolution.
 */
const FEW_OUTPUT_CHANNELS = 8;

const transpose = (g: GraphBuilder, input: string, perm: number[]) => g.node('Transpose', `${input}_t`, [input], [ints('perm', perm)]);
const reshape = (g: GraphBuilder, input: string, shape: number[]) =>
  g.node('Reshape', `${input}_r`, [input, g.constant(`shape_${shape.join('x')}`, INT64, [shape.length], shape)]);

/** A sliding window over an NHWC image: what one output pixel of a convolution reads. */
interface Window {
  batch: number;
  height: number;
  width: number;
  channels: number;
  kernelHeight: number;
  kernelWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
  outHeight: number;
  outWidth: number;
}

/** The patch matrix [N*OH*OW, KH*KW*C] of `input` under `w`, rows in NHW order, columns in (kh, kw, c) order. */
function patches(g: GraphBuilder, input: string, w: Window): string {
  const spanHeight = w.strideHeight * (w.outHeight - 1) + 1;
  const spanWidth = w.strideWidth * (w.outWidth - 1) + 1;
  // Zero rows and columns past the image only as far as a window reaches (never negative: rows
  // no window reads are simply not sliced).
  const bottom = Math.max(0, w.kernelHeight - 1 + spanHeight - w.height - w.padTop);
  const right = Math.max(0, w.kernelWidth - 1 + spanWidth - w.width - w.padLeft);
  let padded = input;
  if (w.padTop + w.padLeft + bottom + right > 0) {
    const pads = g.constant(`pads_${input}`, INT64, [8], [0, w.padTop, w.padLeft, 0, 0, bottom, right, 0]);
    padded = g.node('Pad', `${input}_padded`, [input, pads]);
  }
  const axes = g.constant('axes_hw', INT64, [2], [1, 2]);
  const steps = g.constant(`steps_${w.strideHeight}_${w.strideWidth}`, INT64, [2], [w.strideHeight, w.strideWidth]);
  const taps: string[] = [];
  for (let kh = 0; kh < w.kernelHeight; kh++) {
    for (let kw = 0; kw < w.kernelWidth; kw++) {
      const starts = g.constant(`starts_${kh}_${kw}`, INT64, [2], [kh, kw]);
      const ends = g.constant(`ends_${kh}_${kw}`, INT64, [2], [kh + spanHeight, kw + spanWidth]);
      taps.push(g.node('Slice', `${input}_tap`, [padded, starts, ends, axes, steps]));
    }
  }
  const stacked = taps.length === 1 ? taps[0]! : g.node('Concat', `${input}_patches`, taps, [int('axis', 3)]);
  return reshape(g, stacked, [w.batch * w.outHeight * w.outWidth, w.kernelHeight * w.kernelWidth * w.channels]);
}

function forwardWindow(c: ConvGeometry): Window {
  return {
    batch: c.batch,
    height: c.inHeight,
    width: c.inWidth,
    channels: c.inChannels,
    kernelHeight: c.filterHeight,
    kernelWidth: c.filterWidth,
    strideHeight: c.strideHeight,
    strideWidth: c.strideWidth,
    padTop: c.padTop,
    padLeft: c.padLeft,
    outHeight: c.outHeight,
    outWidth: c.outWidth,
  };
}

const xShape = (c: ConvGeometry) => [c.batch, c.inHeight, c.inWidth, c.inChannels];
const filterShape = (c: ConvGeometry) => [c.filterHeight, c.filterWidth, c.inChannels, c.outChannels];
const yShape = (c: ConvGeometry) => [c.batch, c.outHeight, c.outWidth, c.outChannels];
const onnxPads = (c: ConvGeometry) => [c.padTop, c.padLeft, c.padBottom, c.padRight];
const strides = (c: ConvGeometry) => [c.strideHeight, c.strideWidth];

/** y = conv2d(x, filter): inputs x [N,H,W,CI], filter [KH,KW,CI,CO]; output y [N,OH,OW,CO]. */
export function conv2dModel(c: ConvGeometry): Uint8Array {
  const g = new GraphBuilder(['x', 'filter', 'y']);
  let y: string;
  if (c.outChannels >= FEW_OUTPUT_CHANNELS) {
    const filter = reshape(g, 'filter', [c.filterHeight * c.filterWidth * c.inChannels, c.outChannels]);
    y = reshape(g, g.node('MatMul', 'product', [patches(g, 'x', forwardWindow(c)), filter]), yShape(c));
  } else {
    const conv = g.node('Conv', 'conv', [transpose(g, 'x', TO_NCHW), transpose(g, 'filter', TO_OIHW)], [
      ints('kernel_shape', [c.filterHeight, c.filterWidth]),
      ints('strides', strides(c)),
      ints('pads', onnxPads(c)),
    ]);
    y = transpose(g, conv, TO_NHWC);
  }
  return kernelModel(g, { x: xShape(c), filter: filterShape(c) }, { y: [y, yShape(c)] });
}

/**
 * dx of conv2d. At stride 1 it is a convolution of dy (padded so that the output has the input's
 * size) with the filter rotated by 180 degrees and its channel axes swapped, so it takes the
 * patch-matrix form; strided ones are a transposed convolution, with `output_padding` restoring
 * the input rows and columns the strided convolution never reached.
 */
export function conv2dBackpropInputModel(c: ConvGeometry): Uint8Array {
  const g = new GraphBuilder(['dy', 'filter', 'dx']);
  let dx: string;
  const top = c.filterHeight - 1 - c.padTop;
  const left = c.filterWidth - 1 - c.padLeft;
  if (c.strideHeight === 1 && c.strideWidth === 1 && top >= 0 && left >= 0 && c.inChannels >= FEW_OUTPUT_CHANNELS) {
    const rotated = g.node('Slice', 'filter_rotated', [
      'filter',
      g.constant('rotate_starts', INT64, [2], [-1, -1]),
      // Past the first element whatever the size: Slice clamps, and the first row is included.
      g.constant('rotate_ends', INT64, [2], [-(c.filterHeight + 1), -(c.filterWidth + 1)]),
      g.constant('rotate_axes', INT64, [2], [0, 1]),
      g.constant('rotate_steps', INT64, [2], [-1, -1]),
    ]);
    const flipped = reshape(g, transpose(g, rotated, [0, 1, 3, 2]), [c.filterHeight * c.filterWidth * c.outChannels, c.inChannels]);
    const window: Window = {
      batch: c.batch,
      height: c.outHeight,
      width: c.outWidth,
      channels: c.outChannels,
      kernelHeight: c.filterHeight,
      kernelWidth: c.filterWidth,
      strideHeight: 1,
      strideWidth: 1,
      padTop: top,
      padLeft: left,
      outHeight: c.inHeight,
      outWidth: c.inWidth,
    };
    dx = reshape(g, g.node('MatMul', 'product', [patches(g, 'dy', window), flipped]), xShape(c));
  } else {
    const extra = [
      c.inHeight - (c.strideHeight * (c.outHeight - 1) + c.filterHeight - c.padTop - c.padBottom),
      c.inWidth - (c.strideWidth * (c.outWidth - 1) + c.filterWidth - c.padLeft - c.padRight),
    ];
    if (extra[0]! < 0 || extra[1]! < 0) throw new RangeError(`no transposed convolution restores input ${c.inHeight}x${c.inWidth} for this geometry`);
    const transposed = g.node('ConvTranspose', 'conv_transpose', [transpose(g, 'dy', TO_NCHW), transpose(g, 'filter', TO_OIHW)], [
      ints('kernel_shape', [c.filterHeight, c.filterWidth]),
      ints('strides', strides(c)),
      ints('pads', onnxPads(c)),
      ints('output_padding', extra),
    ]);
    dx = transpose(g, transposed, TO_NHWC);
  }
  return kernelModel(g, { dy: yShape(c), filter: filterShape(c) }, { dx: [dx, xShape(c)] });
}

/**
 * dW of conv2d:
 *
 *   dW[kh, kw, ci, co] = sum_{n, oh, ow} x[n, oh*s + kh - pad, ow*s + kw - pad, ci] * dy[n, oh, ow, co]
 *
 * that is patches(x)^T @ dy, already in HWIO order. With few output channels, the same sum as a
 * convolution with the roles of the axes exchanged (x read as CI images of N channels, dy as an
 * OH x OW filter from N to CO channels dilated by the stride) reads x in place instead.
 */
export function conv2dBackpropFilterModel(c: ConvGeometry): Uint8Array {
  const g = new GraphBuilder(['x', 'dy', 'dw']);
  let dw: string;
  if (c.outChannels >= FEW_OUTPUT_CHANNELS) {
    const dy = reshape(g, 'dy', [c.batch * c.outHeight * c.outWidth, c.outChannels]);
    dw = reshape(g, g.node('Gemm', 'product', [patches(g, 'x', forwardWindow(c)), dy], [int('transA', 1)]), filterShape(c));
  } else {
    // Rows and columns of x that no output reads (the last row of a stride-2 'valid' conv) would
    // need negative padding; they are cropped instead.
    const usedHeight = Math.min(c.inHeight, c.filterHeight + c.strideHeight * (c.outHeight - 1) - c.padTop);
    const usedWidth = Math.min(c.inWidth, c.filterWidth + c.strideWidth * (c.outWidth - 1) - c.padLeft);
    let x = 'x';
    if (usedHeight < c.inHeight || usedWidth < c.inWidth) {
      const starts = g.constant('crop_starts', INT64, [2], [0, 0]);
      const ends = g.constant('crop_ends', INT64, [2], [usedHeight, usedWidth]);
      x = g.node('Slice', 'x_used', [x, starts, ends, g.constant('axes_hw', INT64, [2], [1, 2])]);
    }
    const conv = g.node('Conv', 'conv', [transpose(g, x, [3, 0, 1, 2]), transpose(g, 'dy', [3, 0, 1, 2])], [
      ints('kernel_shape', [c.outHeight, c.outWidth]),
      ints('dilations', strides(c)),
      ints('pads', [
        c.padTop,
        c.padLeft,
        c.filterHeight + c.strideHeight * (c.outHeight - 1) - usedHeight - c.padTop,
        c.filterWidth + c.strideWidth * (c.outWidth - 1) - usedWidth - c.padLeft,
      ]),
    ]);
    dw = transpose(g, conv, [2, 3, 0, 1]);
  }
  return kernelModel(g, { x: xShape(c), dy: yShape(c) }, { dw: [dw, filterShape(c)] });
}
