import type { Expression } from '../../core/expressions.js';
import type { Normalization } from '../../core/models/layers.js';
import { generator, type Upsampling } from '../../core/models/generators.js';
import { patchDiscriminator } from '../../core/models/discriminators.js';
import type { Adversarial, CycleGanConfig, Domain } from './cyclegan.js';
import type { AugmentPolicy } from './diff-augment.js';

/** Everything that defines a training run; stored with the run so it can be repeated or resumed. */
export interface TrainOptions {
  source: Expression;
  target: Expression;
  /** Generator body: ResNet blocks or residual dense blocks (ECycleGAN). */
  body: 'resnet' | 'rdnb';
  ngf: number;
  /** ResNet: residual blocks. RDNB: dense blocks. */
  blocks: number;
  subBlocks: number;
  resScale: number;
  /** How the generator's decoder upsamples: transposed convolutions or resize-then-convolve. */
  upsample: Upsampling;
  norm: Normalization;
  ndf: number;
  dLayers: number;
  gan: Adversarial;
  nCritic: number;
  lambdaCycle: number;
  lambdaIdentity: number;
  /** Perceptual cycle loss weights on face-api features, or null for the pixel L1 of CycleGAN. */
  perceptual: { alpha: number; beta: number } | null;
  labelSmoothing: number;
  labelFlip: number;
  instanceNoise: number;
  noiseEpochs: number;
  /** Alternate training: from this epoch on, update the minority discriminator every `alternateEvery` steps (null: off). */
  alternateAfter: number | null;
  alternateEvery: number;
  /** DiffAugment policies for every discriminator input (empty: none). */
  augment: AugmentPolicy[];
  poolSize: number;
  lr: number;
  beta1: number;
  /** Epochs at the base learning rate, then epochs of linear decay to zero. */
  epochs: number;
  decayEpochs: number;
  /** Steps per epoch; 0 means one pass over the larger domain (the reference CycleGAN's epoch). */
  stepsPerEpoch: number;
  batchSize: number;
  workers: number;
  seed: number;
}

export type PresetName = 'paper' | 'cpu';

const common = {
  body: 'rdnb',
  norm: 'instance',
  dLayers: 3,
  gan: 'lsgan',
  nCritic: 5,
  resScale: 0.5,
  subBlocks: 3,
  upsample: 'transpose',
  augment: [],
  perceptual: null,
  labelSmoothing: 0,
  labelFlip: 0,
  instanceNoise: 0,
  noiseEpochs: 0,
  alternateAfter: null,
  alternateEvery: 2,
  poolSize: 50,
  beta1: 0.5,
  stepsPerEpoch: 0,
  seed: 1,
} satisfies Partial<TrainOptions>;

/**
 * `paper`: the ECycleGAN study's configuration (ngf 64, 6 ResNet blocks or 2 dense blocks of
 * 3 sub-blocks, ndf 64, lr 1e-4, lambda_cyc 1, lambda_idt 0.5, res-scale 0.5), batch 1, 100 + 100
 * epochs as the reference CycleGAN. Days of CPU; meant for a GPU.
 * `cpu`: the ECycleGAN body at quarter width (RDNB, ngf 16, 2 dense blocks of 3 sub-blocks;
 * PatchGAN ndf 32) keeps the depth and receptive field at a small fraction of the FLOPs. Measured
 * here at batch 8 on one worker, with the other core busy: 1.3 s/step, against 3.1 s for ResNet
 * ngf 16 x 6 blocks and 3.6 s for RDNB ngf 32. With both cores that is ~0.6 s/step, so 30 epochs
 * of 400 steps (96k images per domain) take about two hours. lambda_cyc 10 as in the reference
 * CycleGAN; one-sided label smoothing and decaying instance noise guard the rare domain's
 * discriminator.
 */
export const PRESETS: Record<PresetName, Omit<TrainOptions, 'source' | 'target' | 'workers'>> = {
  paper: { ...common, ngf: 64, blocks: 2, ndf: 64, lr: 1e-4, lambdaCycle: 1, lambdaIdentity: 0.5, epochs: 100, decayEpochs: 100, batchSize: 1 },
  cpu: {
    ...common,
    ngf: 16,
    blocks: 2,
    ndf: 32,
    lr: 2e-4,
    lambdaCycle: 10,
    lambdaIdentity: 0.5,
    epochs: 20,
    decayEpochs: 10,
    stepsPerEpoch: 400,
    batchSize: 8,
    labelSmoothing: 0.1,
    instanceNoise: 0.1,
    noiseEpochs: 15,
  },
};

export function parsePreset(raw: string): PresetName {
  if (raw === 'paper' || raw === 'cpu') return raw;
  throw new RangeError(`unknown preset '${raw}' (expected paper or cpu)`);
}

/** The networks and loss settings of a run; `minority` is the domain with fewer training images. */
export function cycleGanConfig(options: TrainOptions, minority: Domain): CycleGanConfig {
  return {
    generator: generator({
      ngf: options.ngf,
      norm: options.norm,
      blocks: options.blocks,
      body: options.body,
      subBlocks: options.subBlocks,
      resScale: options.resScale,
      // Runs recorded before these options existed used transposed convolutions and no augmentation.
      upsample: options.upsample ?? 'transpose',
    }),
    // WGAN-GP's per-sample penalty is meaningless under norm layers that mix samples' statistics.
    discriminator: patchDiscriminator({ ndf: options.ndf, layers: options.dLayers, norm: options.gan === 'wgan-gp' ? 'none' : options.norm }),
    adversarial: options.gan,
    criticSteps: options.gan === 'wgan-gp' ? options.nCritic : 1,
    gradientPenaltyWeight: 10,
    learningRate: options.lr,
    beta1: options.beta1,
    lambdaCycle: options.lambdaCycle,
    lambdaIdentity: options.lambdaIdentity,
    perceptual: options.perceptual,
    augment: options.augment ?? [],
    minority,
    minorityLabelSmoothing: options.labelSmoothing,
    minorityLabelFlip: options.labelFlip,
    poolSize: options.poolSize,
    seed: options.seed,
  };
}
