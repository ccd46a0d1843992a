import { normLayers, type Layer, type Network, type Normalization } from './layers.js';

export interface GeneratorOptions {
  /** Filters of the first layer (c7s1-ngf); doubled by each of the two downsamplings. */
  ngf: number;
  norm: Normalization;
  /** ResNet: residual blocks; RDNB: residual dense blocks. */
  blocks: number;
  body: 'resnet' | 'rdnb';
  /** RDNB only: convolutions per dense block and the residual scaling of each block. */
  subBlocks?: number;
  resScale?: number;
  /** RDNB only: channels each dense step adds (default ngf). */
  growth?: number;
  /**
   * How the decoder doubles the resolution: 'transpose' (stride-2 transposed convolutions, the
   * reference CycleGAN) or 'resize' (nearest-neighbour upsampling, then a 3x3 convolution), which
   * cannot produce the checkerboard artefacts of uneven kernel overlap (Odena et al. 2016).
   */
  upsample?: Upsampling;
  /**
   * What the last layer makes: 'image' (tanh of one channel: the whole face is redrawn, as in
   * the reference CycleGAN) or 'edit' (a colour and a mask channel blended with the input, see
   * the maskedEdit layer).
   */
  output?: GeneratorOutput;
}

export type Upsampling = 'transpose' | 'resize';
export type GeneratorOutput = 'image' | 'edit';

/**
 * A bias before a normalisation layer is cancelled by its mean subtraction (its gradient is
 * exactly zero), so only convolutions that feed an activation or the output get one.
 */
const conv = (name: string, filters: number, kernel: number, stride: number, pad: 'valid' | number, bias: boolean): Layer => ({
  kind: 'conv',
  name,
  kernel,
  stride,
  filters,
  pad,
  bias,
});

function resnetBlock(name: string, width: number, norm: Normalization): Layer {
  return {
    kind: 'residual',
    scale: 1,
    body: [
      { kind: 'reflectPad', pad: 1 },
      conv(`${name}.conv1`, width, 3, 1, 'valid', norm === 'none'),
      ...normLayers(norm, `${name}.norm1`),
      { kind: 'relu' },
      { kind: 'reflectPad', pad: 1 },
      conv(`${name}.conv2`, width, 3, 1, 'valid', norm === 'none'),
      ...normLayers(norm, `${name}.norm2`),
    ],
  };
}

/**
 * Residual dense block (Zhang et al. 2020, as in ESRGAN's RRDB): `subBlocks` densely connected
 * 3x3 convolutions with LeakyReLU, a 1x1 fusion back to the block width, and a scaled residual.
 * No normalisation inside, as in the paper: it removes the artefacts that norm layers add.
 */
function residualDenseBlock(name: string, width: number, growth: number, subBlocks: number, scale: number): Layer {
  const steps: Layer[][] = [];
  for (let i = 0; i < subBlocks; i++) {
    steps.push([conv(`${name}.dense${i}`, growth, 3, 1, 1, true), { kind: 'leakyRelu', alpha: 0.2 }]);
  }
  return {
    kind: 'residual',
    scale,
    body: [{ kind: 'dense', steps, fuse: [conv(`${name}.fuse`, width, 1, 1, 0, true)] }],
  };
}

function upsamplingLayers(name: string, filters: number, mode: Upsampling, bias: boolean): Layer[] {
  if (mode === 'transpose') return [{ kind: 'convTranspose', name, kernel: 3, stride: 2, filters, bias }];
  return [{ kind: 'upsample', factor: 2 }, { kind: 'reflectPad', pad: 1 }, conv(name, filters, 3, 1, 'valid', bias)];
}

/** c7s1-ngf, d(2ngf), d(4ngf), N body blocks, u(2ngf), u(ngf), c7s1-1, tanh (Zhu et al. 2017); or c7s1-2 and maskedEdit. */
export function generator(options: GeneratorOptions): Network {
  const { ngf, norm, blocks, upsample = 'transpose', output = 'image' } = options;
  const width = ngf * 4;
  const biased = norm === 'none';
  const layers: Layer[] = [
    { kind: 'reflectPad', pad: 3 },
    conv('in.conv', ngf, 7, 1, 'valid', biased),
    ...normLayers(norm, 'in.norm'),
    { kind: 'relu' },
    conv('down1.conv', ngf * 2, 3, 2, 1, biased),
    ...normLayers(norm, 'down1.norm'),
    { kind: 'relu' },
    conv('down2.conv', width, 3, 2, 1, biased),
    ...normLayers(norm, 'down2.norm'),
    { kind: 'relu' },
  ];
  for (let i = 0; i < blocks; i++) {
    layers.push(
      options.body === 'resnet'
        ? resnetBlock(`block${i}`, width, norm)
        : residualDenseBlock(`block${i}`, width, options.growth ?? ngf, options.subBlocks ?? 3, options.resScale ?? 0.5),
    );
  }
  layers.push(
    ...upsamplingLayers('up1.conv', ngf * 2, upsample, biased),
    ...normLayers(norm, 'up1.norm'),
    { kind: 'relu' },
    ...upsamplingLayers('up2.conv', ngf, upsample, biased),
    ...normLayers(norm, 'up2.norm'),
    { kind: 'relu' },
    { kind: 'reflectPad', pad: 3 },
    ...(output === 'image' ? [conv('out.conv', 1, 7, 1, 'valid', true), { kind: 'tanh' } as const] : [conv('out.conv', 2, 7, 1, 'valid', true), { kind: 'maskedEdit' } as const]),
  );
  const body = options.body === 'resnet' ? 'resnet' : `rdnb${options.subBlocks ?? 3}`;
  const decoder = upsample === 'resize' ? '_resize' : '';
  const head = output === 'edit' ? '_edit' : '';
  return { name: `${body}_${blocks}blocks_ngf${ngf}${decoder}${head}`, inputChannels: 1, layers };
}
