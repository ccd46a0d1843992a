import * as tf from '../tfjs/tf.js';
import type { Layer, Network } from '../../core/networks/layers.js';
import type { NamedWeights } from '../../core/networks/weights.js';
import { seededGlorotUniform, seededNormal } from './init.js';
import { batchNormTraining } from './batch-norm.js';
import { instanceNorm } from './instance-norm.js';
import type { ReplicaContext } from '../parallel/replica.js';

const INIT_STD = 0.02;
const NORM_EPSILON = 1e-5;
const BATCH_NORM_MOMENTUM = 0.1;

/** A network's weights, keyed by `<layer name>/<kind>` (e.g. `block0.conv1/filter`). */
export type Weights = Map<string, tf.Variable>;

export interface BuiltNetwork {
  spec: Network;
  /** Trainable weights. */
  weights: Weights;
  /** Batch-norm running statistics: updated by training forwards, not by the optimiser. */
  statistics: Weights;
}

interface Builder {
  seed: number;
  init: NonNullable<Network['init']>;
  prefix: string;
  /** What initial values are drawn under, with each layer's name. */
  initKey: string;
  weights: Weights;
  statistics: Weights;
}

function addVariable(b: Builder, into: Weights, key: string, shape: number[], values: Float32Array, trainable: boolean) {
  // The variable shares the initial tensor's data; disposing the tensor leaves the data to the
  // variable, which disposeNetwork then frees.
  const initial = tf.tensor(values, shape);
  into.set(key, tf.variable(initial, trainable, `${b.prefix}/${key}`));
  initial.dispose();
}

function initialWeights(b: Builder, name: string, count: number, fanIn: number, fanOut: number): Float32Array {
  const key = `${b.initKey}/${name}`;
  return b.init === 'glorotUniform' ? seededGlorotUniform(count, fanIn, fanOut, b.seed, key) : seededNormal(count, INIT_STD, b.seed, key);
}

/** Creates the variables of `layers` for an input of `channels` channels; returns the output channels. */
function buildLayers(b: Builder, layers: Layer[], channels: number): number {
  for (const layer of layers) channels = buildLayer(b, layer, channels);
  return channels;
}

function buildLayer(b: Builder, layer: Layer, channels: number): number {
  switch (layer.kind) {
    case 'conv':
    case 'convTranspose': {
      const shape =
        layer.kind === 'conv'
          ? [layer.kernel, layer.kernel, channels, layer.filters]
          : [layer.kernel, layer.kernel, layer.filters, channels];
      const area = layer.kernel * layer.kernel;
      const [fanIn, fanOut] = layer.kind === 'conv' ? [area * channels, area * layer.filters] : [area * layer.filters, area * channels];
      addVariable(b, b.weights, `${layer.name}/filter`, shape, initialWeights(b, layer.name, shape.reduce((a, d) => a * d, 1), fanIn, fanOut), true);
      if (layer.bias) addVariable(b, b.weights, `${layer.name}/bias`, [layer.filters], new Float32Array(layer.filters), true);
      return layer.filters;
    }
    case 'linear':
      addVariable(b, b.weights, `${layer.name}/weight`, [layer.inputs, layer.units], initialWeights(b, layer.name, layer.inputs * layer.units, layer.inputs, layer.units), true);
      addVariable(b, b.weights, `${layer.name}/bias`, [layer.units], new Float32Array(layer.units), true);
      return layer.units;
    case 'instanceNorm':
      if (layer.affine) {
        addVariable(b, b.weights, `${layer.name}/gamma`, [channels], new Float32Array(channels).fill(1), true);
        addVariable(b, b.weights, `${layer.name}/beta`, [channels], new Float32Array(channels), true);
      }
      return channels;
    case 'batchNorm':
      addVariable(b, b.weights, `${layer.name}/gamma`, [channels], new Float32Array(channels).fill(1), true);
      addVariable(b, b.weights, `${layer.name}/beta`, [channels], new Float32Array(channels), true);
      addVariable(b, b.statistics, `${layer.name}/mean`, [channels], new Float32Array(channels), false);
      addVariable(b, b.statistics, `${layer.name}/variance`, [channels], new Float32Array(channels).fill(1), false);
      return channels;
    case 'residual': {
      const out = buildLayers(b, layer.body, channels);
      if (out !== channels) throw new Error(`residual body maps ${channels} channels to ${out}`);
      return channels;
    }
    case 'dense': {
      let width = channels;
      for (const step of layer.steps) width += buildLayers(b, step, width);
      return buildLayers(b, layer.fuse, width);
    }
    default:
      return channels;
  }
}

/**
 * Creates the weights of `spec` with the seeded initialisation; `prefix` keeps tfjs variable names
 * unique, and the initial values are drawn under `initKey` (default: the prefix), so that networks
 * alive at once can still start from the same weights.
 */
export function buildNetwork(spec: Network, seed: number, prefix: string, initKey = prefix): BuiltNetwork {
  const builder: Builder = { seed, init: spec.init ?? 'normal', prefix, initKey, weights: new Map(), statistics: new Map() };
  buildLayers(builder, spec.layers, spec.inputChannels);
  return { spec, weights: builder.weights, statistics: builder.statistics };
}

export interface ForwardOptions {
  /** Batch norm: batch statistics and running-average updates when training, running statistics otherwise. */
  training: boolean;
  /** Training on one data-parallel replica's shard: batch norm takes its statistics over all replicas' shards. */
  replicas?: ReplicaContext;
  /** Draws the seed of each dropout mask while training, so that a seeded run repeats its masks. */
  random?: () => number;
}

function weight(net: BuiltNetwork, key: string): tf.Variable {
  const found = net.weights.get(key) ?? net.statistics.get(key);
  if (found === undefined) throw new Error(`network ${net.spec.name} has no weight '${key}'`);
  return found;
}

/** What every layer may read besides its own input: the network's input, for maskedEdit. */
interface Pass extends ForwardOptions {
  input: tf.Tensor4D;
}

function applyLayers(net: BuiltNetwork, layers: Layer[], x: tf.Tensor4D, pass: Pass): tf.Tensor4D {
  for (const layer of layers) x = applyLayer(net, layer, x, pass);
  return x;
}

function applyLayer(net: BuiltNetwork, layer: Layer, x: tf.Tensor4D, options: Pass): tf.Tensor4D {
  switch (layer.kind) {
    case 'reflectPad':
      return tf.mirrorPad(x, [[0, 0], [layer.pad, layer.pad], [layer.pad, layer.pad], [0, 0]], 'reflect');
    case 'conv': {
      const y = tf.conv2d(x, weight(net, `${layer.name}/filter`) as tf.Tensor4D, layer.stride, layer.pad);
      return layer.bias ? tf.add(y, weight(net, `${layer.name}/bias`)) : y;
    }
    case 'convTranspose': {
      const [n, h, w] = x.shape;
      const shape: [number, number, number, number] = [n, h * layer.stride, w * layer.stride, layer.filters];
      const y = tf.conv2dTranspose(x, weight(net, `${layer.name}/filter`) as tf.Tensor4D, shape, layer.stride, 'same');
      return layer.bias ? tf.add(y, weight(net, `${layer.name}/bias`)) : y;
    }
    case 'upsample':
      return upsampleNearest(x, layer.factor);
    case 'instanceNorm': {
      const y = instanceNorm(x);
      if (!layer.affine) return y;
      return tf.add(tf.mul(y, weight(net, `${layer.name}/gamma`)), weight(net, `${layer.name}/beta`));
    }
    case 'batchNorm':
      return batchNorm(net, layer.name, x, options);
    case 'maxPool':
      return tf.maxPool(x, layer.size, layer.size, 'valid');
    case 'linear': {
      const features = tf.matMul(tf.reshape(x, [x.shape[0], layer.inputs]), weight(net, `${layer.name}/weight`) as tf.Tensor2D);
      return tf.reshape(tf.add(features, weight(net, `${layer.name}/bias`)), [x.shape[0], 1, 1, layer.units]);
    }
    case 'relu':
      return tf.relu(x);
    case 'leakyRelu':
      return tf.leakyRelu(x, layer.alpha);
    case 'tanh':
      return tf.tanh(x);
    case 'maskedEdit':
      return maskedEdit(x, options.input);
    case 'dropout':
      return options.training ? dropout(x, layer.rate, options.random) : x;
    case 'residual': {
      const body = applyLayers(net, layer.body, x, options);
      return tf.add(x, layer.scale === 1 ? body : tf.mul(body, layer.scale));
    }
    case 'dense': {
      const features: tf.Tensor4D[] = [x];
      for (const step of layer.steps) features.push(applyLayers(net, step, tf.concat(features, 3), options));
      return applyLayers(net, layer.fuse, tf.concat(features, 3), options);
    }
  }
}

/**
 * Nearest-neighbour upsampling: tfjs's resize kernel forward and, as its gradient, the sum over
 * each factor x factor square (an average pool times factor^2): tfjs-wasm has no
 * ResizeNearestNeighborGrad, and the same op written as reshapes and broadcasts took ~10x as
 * long (200-300 ms per step and layer at batch 8, against 20-30 ms).
 */
function upsampleNearest(x: tf.Tensor4D, factor: number): tf.Tensor4D {
  const upsample = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const input = args[0] as tf.Tensor4D;
    const [, h, w] = input.shape;
    return {
      value: tf.image.resizeNearestNeighbor(input, [h * factor, w * factor]),
      gradFunc: (dy: tf.Tensor) => tf.mul(tf.avgPool(dy as tf.Tensor4D, factor, factor, 'valid'), factor * factor),
    };
  });
  return upsample(x) as tf.Tensor4D;
}

function maskedEdit(logits: tf.Tensor4D, input: tf.Tensor4D): tf.Tensor4D {
  const [colour, mask] = tf.split(logits, 2, 3) as [tf.Tensor4D, tf.Tensor4D];
  return tf.add(input, tf.mul(tf.sigmoid(mask), tf.sub(tf.tanh(colour), input)));
}

function dropout(x: tf.Tensor4D, rate: number, random: (() => number) | undefined): tf.Tensor4D {
  if (!random) throw new Error('dropout while training needs a seeded generator (ForwardOptions.random)');
  return tf.dropout(x, rate, undefined, Math.floor(random() * 2 ** 32)) as tf.Tensor4D;
}

function batchNorm(net: BuiltNetwork, name: string, x: tf.Tensor4D, options: ForwardOptions): tf.Tensor4D {
  const gamma = weight(net, `${name}/gamma`);
  const beta = weight(net, `${name}/beta`);
  const runningMean = weight(net, `${name}/mean`);
  const runningVariance = weight(net, `${name}/variance`);
  if (!options.training) return tf.batchNorm(x, runningMean, runningVariance, beta, gamma, NORM_EPSILON) as tf.Tensor4D;
  const { y, mean, variance } = batchNormTraining(x, gamma as tf.Tensor1D, beta as tf.Tensor1D, NORM_EPSILON, options.replicas);
  // Running averages are bookkeeping: the loss never depends on them, so no gradient flows here.
  const blend = (running: tf.Variable, batch: tf.Tensor) =>
    running.assign(tf.tidy(() => tf.add(tf.mul(running, 1 - BATCH_NORM_MOMENTUM), tf.mul(batch, BATCH_NORM_MOMENTUM))));
  blend(runningMean, mean);
  blend(runningVariance, variance);
  return y;
}

/** Runs the network on NHWC input. Call inside tf.tidy (or a gradient function) to free intermediates. */
export function forward(net: BuiltNetwork, x: tf.Tensor4D, options: ForwardOptions = { training: true }): tf.Tensor4D {
  return applyLayers(net, net.spec.layers, x, { ...options, input: x });
}

export function disposeNetwork(net: BuiltNetwork): void {
  for (const v of [...net.weights.values(), ...net.statistics.values()]) v.dispose();
}

/** A copy of every weight and running statistic, detached from tfjs (for checkpoints and export). */
export function readWeights(net: BuiltNetwork): NamedWeights {
  const out: NamedWeights = new Map();
  for (const [key, v] of [...net.weights, ...net.statistics]) {
    out.set(key, { shape: v.shape.slice(), values: (v.dataSync() as Float32Array).slice() });
  }
  return out;
}

/** Overwrites the network's weights and statistics with `weights` (shapes must match). */
export function loadWeights(net: BuiltNetwork, weights: NamedWeights): void {
  for (const [key, v] of [...net.weights, ...net.statistics]) {
    const source = weights.get(key);
    if (!source) throw new Error(`weights for ${net.spec.name} lack '${key}'`);
    if (source.shape.join('x') !== v.shape.join('x')) {
      throw new Error(`weight '${key}' has shape [${source.shape}], expected [${v.shape}]`);
    }
    tf.tidy(() => v.assign(tf.tensor(source.values, source.shape, 'float32')));
  }
}
