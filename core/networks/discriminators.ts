import { normLayers, type Layer, type Network, type Normalization } from './layers.js';

export interface DiscriminatorOptions {
  ndf: number;
  /** Stride-2 layers after the first; the reference PatchGAN has 3 (C64-C128-C256-C512). */
  layers: number;
  norm: Normalization;
}

/**
 * PatchGAN (Isola et al. 2017): 4x4 convolutions, LeakyReLU 0.2, no norm on the first layer, one
 * score per overlapping patch. With n layers: n stride-2 convs, one stride-1 conv, one 1-channel conv.
 */
export function patchDiscriminator({ ndf, layers: depth, norm }: DiscriminatorOptions): Network {
  // Convolutions followed by a norm layer get no bias: the norm's mean subtraction cancels it.
  // WGAN-GP critics use no norm (the penalty is per sample, and batch statistics would couple them).
  const conv = (name: string, filters: number, stride: number, bias: boolean): Layer => ({
    kind: 'conv',
    name,
    kernel: 4,
    stride,
    filters,
    pad: 1,
    bias,
  });
  const layers: Layer[] = [conv('c0', ndf, 2, true), { kind: 'leakyRelu', alpha: 0.2 }];
  let filters = ndf;
  for (let i = 1; i <= depth; i++) {
    filters = ndf * Math.min(2 ** i, 8);
    layers.push(conv(`c${i}`, filters, i < depth ? 2 : 1, norm === 'none'), ...normLayers(norm, `c${i}.norm`), { kind: 'leakyRelu', alpha: 0.2 });
  }
  layers.push(conv('out', 1, 1, true));
  return { name: `patchgan_${depth}layers_ndf${ndf}`, inputChannels: 1, layers };
}
