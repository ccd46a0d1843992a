/**
 * A small, framework-free description of the networks faceaug trains and serves. The trainer
 * interprets it with TensorFlow.js, the exporter writes it as ONNX, and model cards print it, so
 * an architecture is defined exactly once. Tensors are NHWC; weights are named by `name`.
 */
export type Layer =
  | { kind: 'reflectPad'; pad: number }
  | {
      kind: 'conv';
      name: string;
      kernel: number;
      stride: number;
      filters: number;
      /** 'valid' after an explicit reflectPad, or symmetric zero padding of this many pixels. */
      pad: 'valid' | number;
      bias: boolean;
    }
  | { kind: 'convTranspose'; name: string; kernel: number; stride: number; filters: number; bias: boolean }
  /** Nearest-neighbour upsampling: every pixel becomes a factor x factor square. */
  | { kind: 'upsample'; factor: number }
  | { kind: 'instanceNorm'; name: string; affine: boolean }
  | { kind: 'batchNorm'; name: string }
  /** Max over non-overlapping size x size windows (stride = size, no padding). */
  | { kind: 'maxPool'; size: number }
  /**
   * Fully connected: flattens its input (H, W, C order, `inputs` = H * W * C values per image) and
   * maps it to `units` features, an output of height and width 1.
   */
  | { kind: 'linear'; name: string; inputs: number; units: number }
  | { kind: 'relu' }
  | { kind: 'leakyRelu'; alpha: number }
  | { kind: 'tanh' }
  /**
   * The output of an editing generator (GANimation, Pumarola et al. 2018): a 2-channel input of
   * colour and mask logits becomes x + sigmoid(mask) * (tanh(colour) - x), x being the network's
   * own 1-channel input. Where the mask is closed the input passes through exactly, so the
   * network spends its capacity on the regions an expression changes.
   */
  | { kind: 'maskedEdit' }
  /**
   * While training, zeroes each value with probability `rate` and scales the others by
   * 1 / (1 - rate); the identity at inference and in exported graphs.
   */
  | { kind: 'dropout'; rate: number }
  /** y = x + scale * body(x) */
  | { kind: 'residual'; scale: number; body: Layer[] }
  /**
   * Dense connectivity (RDN): each layer of `steps` sees the concatenation of the block input and
   * every earlier step's output; `fuse` then maps the full concatenation back to the input width.
   */
  | { kind: 'dense'; steps: Layer[][]; fuse: Layer[] };

export interface Network {
  /** e.g. 'resnet_6blocks' or 'patchgan_3layers', for model cards and logs. */
  name: string;
  inputChannels: number;
  layers: Layer[];
  /**
   * Initial weights: N(0, 0.02) as in the reference CycleGAN (the default), or Glorot-uniform
   * (Keras' default, which the study's classifier used) with zero biases.
   */
  init?: 'normal' | 'glorotUniform';
}

export type Normalization = 'instance' | 'batch' | 'none';

/** The normalisation layer after a convolution, if any. */
export function normLayers(kind: Normalization, name: string): Layer[] {
  if (kind === 'none') return [];
  return [kind === 'instance' ? { kind: 'instanceNorm', name, affine: false } : { kind: 'batchNorm', name }];
}
