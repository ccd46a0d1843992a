/**
 * What an exported model takes and returns; the exporter declares exactly this, and the server
 * and README rely on it.
 *
 *   input  'input'  float32 [N, C, H, W] (layout 'nchw', the default) or [N, H, W, C] ('nhwc'),
 *                   grey faces scaled to [-1, 1] (pixel / 127.5 - 1); C = 1, H = W = 48 unless
 *                   `imageSize` says otherwise ('symbolic' leaves H and W free).
 *
 * The names, the side and the range are the face contract's (core/image-codec.ts); this file
 * derives the shapes a given network and layout produce.
 *   output 'output' float32 in the same layout. Generators: the translated faces, same shape as the
 *                   input, in [-1, 1] (tanh). PatchGAN discriminators: one logit per patch.
 *
 * N is the symbolic dimension 'N': any batch size.
 */
import { FACE_SIZE, ONNX_INPUT, ONNX_OUTPUT, UNIT_RANGE } from '../../core/image-codec.js';
import type { Layer, Network } from '../../core/networks/layers.js';
import type { Dim } from './onnx-proto.js';

export type OnnxLayout = 'nchw' | 'nhwc';

export interface OnnxIOOptions {
  layout?: OnnxLayout;
  /** Square input side in pixels (default 48), or 'symbolic' for H and W fixed only at run time. */
  imageSize?: number | 'symbolic';
}

export interface OnnxIO {
  layout: OnnxLayout;
  input: { name: string; shape: Dim[] };
  output: { name: string; shape: Dim[] };
  inputRange: typeof UNIT_RANGE;
}

interface Geometry {
  channels: number;
  /** null once a size is unknown (symbolic input). */
  height: number | null;
  width: number | null;
}

/** Applies `f` to known sides; an unknown side stays unknown. */
function sides(g: Geometry, channels: number, f: (side: number) => number): Geometry {
  return { channels, height: g.height === null ? null : f(g.height), width: g.width === null ? null : f(g.width) };
}

function layersGeometry(layers: Layer[], g: Geometry): Geometry {
  for (const layer of layers) g = layerGeometry(layer, g);
  return g;
}

function layerGeometry(layer: Layer, g: Geometry): Geometry {
  switch (layer.kind) {
    case 'reflectPad':
      return sides(g, g.channels, (s) => s + 2 * layer.pad);
    case 'conv': {
      const pad = layer.pad === 'valid' ? 0 : layer.pad;
      return sides(g, layer.filters, (s) => Math.floor((s + 2 * pad - layer.kernel) / layer.stride) + 1);
    }
    case 'convTranspose':
      return sides(g, layer.filters, (s) => s * layer.stride);
    case 'upsample':
      return sides(g, g.channels, (s) => s * layer.factor);
    case 'maxPool':
      return sides(g, g.channels, (s) => Math.floor(s / layer.size));
    case 'linear':
      return { channels: layer.units, height: 1, width: 1 };
    case 'dense': {
      let width = g.channels;
      for (const step of layer.steps) width += layersGeometry(step, g).channels;
      return layersGeometry(layer.fuse, { ...g, channels: width });
    }
    case 'residual':
      return layersGeometry(layer.body, g);
    case 'maskedEdit':
      return { ...g, channels: 1 };
    default:
      return g;
  }
}

/** The input and output of `spec` exported with `options`. */
export function describeOnnxIO(spec: Network, options: OnnxIOOptions = {}): OnnxIO {
  const layout = options.layout ?? 'nchw';
  const size = options.imageSize ?? FACE_SIZE;
  const side = size === 'symbolic' ? null : size;
  const out = layersGeometry(spec.layers, { channels: spec.inputChannels, height: side, width: side });
  const dims = (channels: number, height: Dim, width: Dim): Dim[] =>
    layout === 'nchw' ? ['N', channels, height, width] : ['N', height, width, channels];
  const inputSide = size === 'symbolic' ? ['H', 'W'] : [size, size];
  return {
    layout,
    input: { name: ONNX_INPUT, shape: dims(spec.inputChannels, inputSide[0]!, inputSide[1]!) },
    output: { name: ONNX_OUTPUT, shape: dims(out.channels, out.height, out.width) },
    inputRange: UNIT_RANGE,
  };
}

export function formatShape(shape: readonly Dim[]): string {
  return `[${shape.map((d) => d ?? '?').join(', ')}]`;
}
