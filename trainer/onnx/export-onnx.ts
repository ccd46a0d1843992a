/**
 * Writes a {@link Network} and its trained weights as an ONNX model (opset 17) that computes what
 * the trainer's `forward(net, x, { training: false })` computes. The network runs in NCHW inside
 * the graph; the 'nhwc' layout only adds a Transpose at each end. IO contract: io-contract.ts.
 */
import type { Layer, Network } from '../../core/networks/layers.js';
import type { NamedWeights, WeightTensor } from '../../core/networks/weights.js';
import { filterToOnnx, sameTransposePadding } from './filters.js';
import { GraphBuilder } from './graph-builder.js';
import { ONNX_INPUT, ONNX_OUTPUT, UNIT_RANGE } from '../../core/image-codec.js';
import { describeOnnxIO, formatShape, type OnnxIOOptions } from './io-contract.js';
import { attribute, encodeModel, FLOAT, INT64 } from './onnx-proto.js';

export const OPSET_VERSION = 17;
/** The IR version released with opset 17 (ONNX 1.12); runtimes accept it from 1.12 on. */
export const IR_VERSION = 8;
/**
 * The trainer's normalisation epsilon (trainer/networks/network.ts and instance-norm.ts). It is
 * restated rather than imported so that exporting never loads TensorFlow.js; a test pins the two.
 */
export const NORM_EPSILON = 1e-5;

export interface ExportOptions extends OnnxIOOptions {
  /** producer_name of the model (default 'faceaug'). */
  producer?: string;
  /** Extra metadata_props, e.g. { source: 'neutral', target: 'happy' }; keys the exporter sets are refused. */
  metadata?: Record<string, string>;
}

/** A tensor of the graph, NCHW, and its channel count. */
interface Value {
  name: string;
  channels: number;
}

const { float, int, ints, string } = attribute;

class Emitter {
  private readonly used = new Set<string>();

  constructor(
    private readonly graph: GraphBuilder,
    private readonly weights: NamedWeights,
    private readonly networkName: string,
    /** The network's input inside the graph (NCHW), which maskedEdit blends with. */
    private readonly networkInput: string,
  ) {}

  private weight(key: string, shape: number[]): WeightTensor {
    const found = this.weights.get(key);
    if (!found) throw new Error(`weights for ${this.networkName} lack '${key}'`);
    if (found.shape.join('x') !== shape.join('x')) {
      throw new Error(`weight '${key}' has shape [${found.shape}], the network expects [${shape}]`);
    }
    this.used.add(key);
    return found;
  }

  /** A 1-d weight (bias, norm parameter) as an initializer under its own key. */
  private vector(key: string, length: number): string {
    return this.graph.floats(key, [length], this.weight(key, [length]).values);
  }

  private filter(key: string, shape: number[]): string {
    const onnx = filterToOnnx(this.weight(key, shape));
    return this.graph.floats(key, onnx.shape, onnx.values);
  }

  unusedWeights(): string[] {
    return [...this.weights.keys()].filter((key) => !this.used.has(key));
  }

  layers(layers: Layer[], x: Value): Value {
    for (const layer of layers) x = this.layer(layer, x);
    return x;
  }

  private layer(layer: Layer, x: Value): Value {
    const g = this.graph;
    const same = (name: string): Value => ({ name, channels: x.channels });
    switch (layer.kind) {
      case 'reflectPad': {
        const p = layer.pad;
        // ONNX pads list every axis' start, then every axis' end: N, C, H, W.
        const pads = g.constant(`pads/reflect${p}`, INT64, [8], [0, 0, p, p, 0, 0, p, p]);
        return same(g.node('Pad', 'reflect_pad', [x.name, pads], [string('mode', 'reflect')]));
      }
      case 'conv': {
        const k = layer.kernel;
        const inputs = [x.name, this.filter(`${layer.name}/filter`, [k, k, x.channels, layer.filters])];
        if (layer.bias) inputs.push(this.vector(`${layer.name}/bias`, layer.filters));
        const p = layer.pad === 'valid' ? 0 : layer.pad;
        const attributes = [ints('kernel_shape', [k, k]), ints('strides', [layer.stride, layer.stride]), ints('pads', [p, p, p, p])];
        return { name: g.node('Conv', layer.name, inputs, attributes), channels: layer.filters };
      }
      case 'convTranspose': {
        const k = layer.kernel;
        const inputs = [x.name, this.filter(`${layer.name}/filter`, [k, k, layer.filters, x.channels])];
        if (layer.bias) inputs.push(this.vector(`${layer.name}/bias`, layer.filters));
        const { begin, end, outputPadding } = sameTransposePadding(k, layer.stride);
        const attributes = [
          ints('kernel_shape', [k, k]),
          ints('strides', [layer.stride, layer.stride]),
          ints('pads', [begin, begin, end, end]),
          ints('output_padding', [outputPadding, outputPadding]),
        ];
        return { name: g.node('ConvTranspose', layer.name, inputs, attributes), channels: layer.filters };
      }
      case 'upsample': {
        const f = layer.factor;
        // 'asymmetric' + 'floor' maps output pixel i to input pixel floor(i / f): exact repetition,
        // as the trainer's reshape-and-broadcast computes it. The empty input is the unused roi.
        const scales = g.constant(`scales/upsample${f}`, FLOAT, [4], [1, 1, f, f]);
        const attributes = [string('mode', 'nearest'), string('coordinate_transformation_mode', 'asymmetric'), string('nearest_mode', 'floor')];
        return same(g.node('Resize', 'upsample', [x.name, '', scales], attributes));
      }
      case 'instanceNorm': {
        const c = x.channels;
        const scale = layer.affine ? this.vector(`${layer.name}/gamma`, c) : g.constant(`ones/${c}`, FLOAT, [c], new Array<number>(c).fill(1));
        const bias = layer.affine ? this.vector(`${layer.name}/beta`, c) : g.constant(`zeros/${c}`, FLOAT, [c], new Array<number>(c).fill(0));
        return same(g.node('InstanceNormalization', layer.name, [x.name, scale, bias], [float('epsilon', NORM_EPSILON)]));
      }
      case 'batchNorm': {
        const c = x.channels;
        const [scale, bias, mean, variance] = ['gamma', 'beta', 'mean', 'variance'].map((p) => this.vector(`${layer.name}/${p}`, c));
        return same(g.node('BatchNormalization', layer.name, [x.name, scale!, bias!, mean!, variance!], [float('epsilon', NORM_EPSILON)]));
      }
      case 'maxPool': {
        const k = layer.size;
        return same(g.node('MaxPool', 'max_pool', [x.name], [ints('kernel_shape', [k, k]), ints('strides', [k, k])]));
      }
      case 'linear': {
        // The trainer flattens NHWC (H, W, C order); inside the graph the tensor is NCHW, so it is
        // brought to NHWC first. The result goes back to [N, units, 1, 1], as the trainer's is 1x1.
        const nhwc = g.node('Transpose', 'to_nhwc', [x.name], [ints('perm', [0, 2, 3, 1])]);
        const flat = g.node('Flatten', 'flatten', [nhwc], [int('axis', 1)]);
        const weight = this.graph.floats(`${layer.name}/weight`, [layer.inputs, layer.units], this.weight(`${layer.name}/weight`, [layer.inputs, layer.units]).values);
        const product = g.node('Gemm', layer.name, [flat, weight, this.vector(`${layer.name}/bias`, layer.units)]);
        const shape = g.constant(`shape/linear${layer.units}`, INT64, [4], [0, layer.units, 1, 1]);
        return { name: g.node('Reshape', 'to_nchw', [product, shape]), channels: layer.units };
      }
      case 'relu':
        return same(g.node('Relu', 'relu', [x.name]));
      case 'leakyRelu':
        return same(g.node('LeakyRelu', 'leaky_relu', [x.name], [float('alpha', layer.alpha)]));
      case 'tanh':
        return same(g.node('Tanh', 'tanh', [x.name]));
      case 'maskedEdit': {
        const channel = (c: number, name: string) =>
          g.node('Slice', name, [
            x.name,
            g.constant(`slice/from${c}`, INT64, [1], [c]),
            g.constant(`slice/to${c + 1}`, INT64, [1], [c + 1]),
            g.constant('slice/channel_axis', INT64, [1], [1]),
          ]);
        const colour = g.node('Tanh', 'edit_colour', [channel(0, 'colour_logits')]);
        const mask = g.node('Sigmoid', 'edit_mask', [channel(1, 'mask_logits')]);
        const change = g.node('Mul', 'edit_change', [mask, g.node('Sub', 'edit_delta', [colour, this.networkInput])]);
        return { name: g.node('Add', 'edit', [this.networkInput, change]), channels: 1 };
      }
      case 'dropout':
        return x;
      case 'residual': {
        const body = this.layers(layer.body, x);
        if (body.channels !== x.channels) throw new Error(`residual body maps ${x.channels} channels to ${body.channels}`);
        const scaled =
          layer.scale === 1 ? body.name : g.node('Mul', 'residual_scale', [body.name, g.constant(`scale/${layer.scale}`, FLOAT, [], [layer.scale])]);
        return same(g.node('Add', 'residual', [x.name, scaled]));
      }
      case 'dense': {
        const features: Value[] = [x];
        const concat = (): Value =>
          features.length === 1
            ? x
            : {
                name: g.node('Concat', 'dense_concat', features.map((f) => f.name), [int('axis', 1)]),
                channels: features.reduce((sum, f) => sum + f.channels, 0),
              };
        for (const step of layer.steps) features.push(this.layers(step, concat()));
        return this.layers(layer.fuse, concat());
      }
    }
  }
}

/**
 * The ONNX model (serialised ModelProto) of `spec` with `weights` (e.g. `readWeights(net)`); every
 * weight must be used. See io-contract.ts for the input and output it declares.
 */
export function exportOnnx(spec: Network, weights: NamedWeights, options: ExportOptions = {}): Uint8Array {
  const io = describeOnnxIO(spec, options);
  const graph = new GraphBuilder([ONNX_INPUT, ONNX_OUTPUT]);
  let x: Value = { name: ONNX_INPUT, channels: spec.inputChannels };
  if (io.layout === 'nhwc') x = { ...x, name: graph.node('Transpose', 'input_to_nchw', [x.name], [ints('perm', [0, 3, 1, 2])]) };
  const emitter = new Emitter(graph, weights, spec.name, x.name);
  let y = emitter.layers(spec.layers, x);
  if (io.layout === 'nhwc') y = { ...y, name: graph.node('Transpose', 'output_to_nhwc', [y.name], [ints('perm', [0, 2, 3, 1])]) };
  graph.nameOutput(y.name, ONNX_OUTPUT);

  const unused = emitter.unusedWeights();
  if (unused.length > 0) throw new Error(`weights not used by ${spec.name}: ${unused.join(', ')}`);

  const input = `${ONNX_INPUT}: float32 ${formatShape(io.input.shape)}`;
  const output = `${ONNX_OUTPUT}: float32 ${formatShape(io.output.shape)}`;
  const range = `[${UNIT_RANGE.join(', ')}]`;
  const metadata = new Map([
    ['architecture', spec.name],
    ['layout', io.layout],
    ['input', input],
    ['output', output],
    ['input_range', range],
  ]);
  for (const [key, value] of Object.entries(options.metadata ?? {})) {
    if (metadata.has(key)) throw new RangeError(`metadata key '${key}' is set by the exporter`);
    metadata.set(key, value);
  }
  return encodeModel({
    irVersion: IR_VERSION,
    opsetVersion: OPSET_VERSION,
    producerName: options.producer ?? 'faceaug',
    docString: `${spec.name} (${io.layout.toUpperCase()}). ${input}, in ${range}. ${output}.`,
    graph: {
      name: spec.name,
      nodes: graph.nodes,
      initializers: graph.initializers,
      inputs: [{ name: ONNX_INPUT, type: FLOAT, shape: io.input.shape }],
      outputs: [{ name: ONNX_OUTPUT, type: FLOAT, shape: io.output.shape }],
    },
    metadata: [...metadata],
  });
}
