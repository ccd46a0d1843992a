import { EXPRESSIONS, type Expression } from '../../core/expressions.js';
import type { Normalization } from '../../core/networks/layers.js';
import { generator, type GeneratorOutput, type Upsampling } from '../../core/networks/generators.js';
import { patchDiscriminator } from '../../core/networks/discriminators.js';
import type { Adversarial, CycleGanConfig, Domain } from './cyclegan.js';
import { AUGMENT_POLICIES, type AugmentPolicy } from './diff-augment.js';
import { type InputJitter, parseJitter } from './input-jitter.js';
import { fraction, integer, number, oneOf } from '../../core/parsers.js';
import { FACE_API_EXPRESSIONS } from '../../core/faces/face-api.js';

/**
 * Everything that defines a training run; stored with the run so it can be repeated or resumed.
 * Each field's meaning, flag and parser are in TRAIN_FLAGS below, its defaults in PRESETS.
 */
export interface TrainOptions {
  source: Expression;
  target: Expression;
  body: 'resnet' | 'rdnb';
  ngf: number;
  blocks: number;
  subBlocks: number;
  resScale: number;
  upsample: Upsampling;
  output: GeneratorOutput;
  norm: Normalization;
  ndf: number;
  dLayers: number;
  adversarial: Adversarial;
  nCritic: number;
  lambdaCycle: number;
  lambdaIdentity: number;
  perceptual: { alpha: number; beta: number } | null;
  /** Weight of the target-expression loss (face-api's classifier on the A->B translations); 0: none. */
  lambdaExpression: number;
  /**
   * A registered faceaug judge that reads the translations in the target-expression loss beside
   * face-api's classifier (null: face-api's alone), and the sha256 of its ONNX, fixed when the run
   * starts so that a resumed run on another machine reads with the same network.
   */
  expressionJudge: number | null;
  expressionJudgeSha256?: string;
  /** Weight of the L1 distance between each translation and its input: edits stay small and local. */
  lambdaChange: number;
  labelSmoothing: number;
  labelFlip: number;
  instanceNoise: number;
  noiseEpochs: number;
  /** Alternate training: from this epoch on (null: never), rest the minority discriminator. */
  alternateAfter: number | null;
  alternateEvery: number;
  augment: AugmentPolicy[];
  /** A random similarity and mirror of every real training face before each step (null: none). */
  jitter: InputJitter | null;
  poolSize: number;
  /** Decay of the moving average of the A->B generator that the run ships (0: the last weights). */
  generatorAverage: number;
  learningRate: number;
  beta1: number;
  epochs: number;
  decayEpochs: number;
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
  adversarial: 'lsgan',
  nCritic: 5,
  resScale: 0.5,
  subBlocks: 3,
  upsample: 'transpose',
  output: 'image',
  augment: [],
  jitter: null,
  perceptual: null,
  lambdaExpression: 0,
  expressionJudge: null,
  lambdaChange: 0,
  labelSmoothing: 0,
  labelFlip: 0,
  instanceNoise: 0,
  noiseEpochs: 0,
  alternateAfter: null,
  alternateEvery: 2,
  poolSize: 50,
  generatorAverage: 0,
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
export const PRESETS: Record<PresetName, Omit<TrainOptions, 'source' | 'target' | 'workers' | 'expressionJudgeSha256'>> = {
  paper: { ...common, ngf: 64, blocks: 2, ndf: 64, learningRate: 1e-4, lambdaCycle: 1, lambdaIdentity: 0.5, epochs: 100, decayEpochs: 100, batchSize: 1 },
  cpu: {
    ...common,
    ngf: 16,
    blocks: 2,
    ndf: 32,
    learningRate: 2e-4,
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

export const parsePreset = oneOf('preset', Object.keys(PRESETS) as PresetName[]);

/** A command-line flag that sets one field of TrainOptions, overriding the preset. */
export interface TrainFlag {
  flags: string;
  field: Exclude<keyof TrainOptions, 'source' | 'target' | 'workers' | 'expressionJudgeSha256'>;
  help: string;
  parse: (raw: string) => unknown;
}

const flag = <K extends TrainFlag['field']>(field: K, flags: string, help: string, parse: (raw: string) => TrainOptions[K]): TrainFlag => ({
  field,
  flags,
  help,
  parse,
});

function perceptualWeights(raw: string): TrainOptions['perceptual'] {
  if (raw === 'none') return null;
  const [alpha, beta, extra] = raw.split(',').map((v) => number('perceptual', (x) => x >= 0)(v.trim()));
  if (alpha === undefined || beta === undefined || extra !== undefined) throw new Error(`invalid perceptual '${raw}' (expected alpha,beta or none)`);
  return { alpha, beta };
}

function augmentPolicies(raw: string): AugmentPolicy[] {
  return raw === 'none' ? [] : raw.split(',').map((p) => oneOf('augment', AUGMENT_POLICIES)(p.trim()));
}

/** Every training option a flag can set: the one table the CLI declares its flags from. */
export const TRAIN_FLAGS: TrainFlag[] = [
  flag('body', '--generator <body>', 'generator body: resnet or rdnb (ECycleGAN residual dense blocks)', oneOf('generator', ['resnet', 'rdnb'] as const)),
  flag('ngf', '--ngf <n>', 'generator filters of the first layer (doubled by each downsampling)', integer('ngf', 1)),
  flag('blocks', '--blocks <n>', 'generator body blocks: ResNet blocks, or residual dense blocks for rdnb', integer('blocks', 0)),
  flag('subBlocks', '--sub-blocks <n>', 'rdnb: convolutions per dense block', integer('sub blocks', 1)),
  flag('resScale', '--res-scale <x>', 'rdnb: residual scaling of each dense block', number('res scale', (v) => v > 0)),
  flag(
    'upsample',
    '--upsample <mode>',
    'generator decoder: transpose (transposed convolutions) or resize (nearest upsampling + conv, no checkerboard)',
    oneOf('upsample', ['transpose', 'resize'] as const),
  ),
  flag(
    'output',
    '--output <kind>',
    'generator output: image (tanh: redraws the whole face) or edit (a colour and a mask blended with the input, GANimation)',
    oneOf('output', ['image', 'edit'] as const),
  ),
  flag('norm', '--norm <kind>', 'normalisation layers: instance, batch or none', oneOf('norm', ['instance', 'batch', 'none'] as const)),
  flag('ndf', '--ndf <n>', 'discriminator filters of the first layer', integer('ndf', 1)),
  flag('dLayers', '--d-layers <n>', 'PatchGAN stride-2 layers', integer('d layers', 1)),
  flag('adversarial', '--gan <loss>', 'adversarial loss: lsgan or wgan-gp', oneOf('gan', ['lsgan', 'wgan-gp'] as const)),
  flag('nCritic', '--n-critic <n>', 'wgan-gp: critic updates per generator update', integer('n critic', 1)),
  flag('lambdaCycle', '--lambda-cyc <x>', 'cycle-consistency weight', number('lambda cyc', (v) => v >= 0)),
  flag('lambdaIdentity', '--lambda-idt <x>', 'identity weight, relative to lambda-cyc (0: no identity loss)', number('lambda idt', (v) => v >= 0)),
  flag(
    'perceptual',
    '--perceptual <alpha,beta>',
    'perceptual cycle loss: beta * pixel L1 + alpha * L1 of face-api expression features (none: pixel L1)',
    perceptualWeights,
  ),
  flag(
    'lambdaExpression',
    '--lambda-expr <x>',
    "target-expression loss weight: cross entropy of face-api's expression classifier reading the translations as the target (0: none)",
    number('lambda expr', (v) => v >= 0),
  ),
  flag(
    'expressionJudge',
    '--expression-judge <id>',
    "also read the translations with this registered faceaug judge in the target-expression loss (the mean of its and face-api's cross entropies); evaluate with another judge (none: face-api's alone)",
    (raw) => (raw === 'none' ? null : integer('expression judge', 1)(raw)),
  ),
  flag('lambdaChange', '--lambda-change <x>', 'weight of the L1 distance between each translation and its input (0: none)', number('lambda change', (v) => v >= 0)),
  flag('labelSmoothing', '--label-smoothing <p>', 'one-sided label smoothing for the minority discriminator', fraction('label smoothing')),
  flag('labelFlip', '--label-flip <p>', 'probability of flipped labels for the minority discriminator', fraction('label flip')),
  flag('instanceNoise', '--instance-noise <sigma>', 'initial std of noise on discriminator inputs', number('instance noise', (v) => v >= 0)),
  flag('noiseEpochs', '--noise-epochs <n>', 'epochs over which instance noise decays to 0', number('noise epochs', (v) => v >= 0)),
  flag('alternateAfter', '--alternate-after <epoch>', 'alternate training: from this epoch on, rest the minority discriminator', integer('alternate after', 0)),
  flag('alternateEvery', '--alternate-every <n>', 'alternate training: update it every n generator steps', integer('alternate every', 1)),
  flag('augment', '--augment <policies>', `DiffAugment for discriminator inputs: comma-separated ${AUGMENT_POLICIES.join(', ')}, or none`, augmentPolicies),
  flag(
    'jitter',
    '--jitter <shift,degrees,scale>',
    'move (px), turn (degrees) and zoom (fraction) every real training face by up to these, and mirror half of them, afresh each step (none: as they are)',
    parseJitter,
  ),
  flag('poolSize', '--pool-size <n>', 'image pool per discriminator (0: off)', integer('pool size', 0)),
  flag(
    'generatorAverage',
    '--ema <decay>',
    'keep an exponential moving average of the translator\'s weights with this decay per step, and snapshot, sample and ship it (0: the last weights)',
    number('ema', (v) => v >= 0 && v < 1),
  ),
  flag('learningRate', '--lr <rate>', 'Adam learning rate', number('lr', (v) => v > 0)),
  flag('beta1', '--beta1 <b>', 'Adam beta1', fraction('beta1')),
  flag('epochs', '--epochs <n>', 'epochs at the base learning rate', integer('epochs', 0)),
  flag('decayEpochs', '--decay-epochs <n>', 'epochs of linear decay to zero afterwards', integer('decay epochs', 0)),
  flag('stepsPerEpoch', '--steps-per-epoch <n>', 'steps per epoch (0: one pass over the larger domain)', integer('steps per epoch', 0)),
  flag('batchSize', '--batch-size <n>', 'images per step and domain, split over the workers', integer('batch size', 1)),
  flag('seed', '--seed <n>', 'seed of initialisation, batches and all training randomness', integer('seed', 0)),
];

/**
 * The networks and loss settings of a run; `minority` is the domain with fewer training images.
 * `lossJudge` is the packed classifier of `options.expressionJudge`: only training needs it.
 */
export function cycleGanConfig(options: TrainOptions, minority: Domain, lossJudge?: Uint8Array): CycleGanConfig {
  return {
    generator: generator({
      ngf: options.ngf,
      norm: options.norm,
      blocks: options.blocks,
      body: options.body,
      subBlocks: options.subBlocks,
      resScale: options.resScale,
      // Runs recorded before these options existed used transposed convolutions, whole-image
      // output, no change penalty and no augmentation.
      upsample: options.upsample ?? 'transpose',
      output: options.output ?? 'image',
    }),
    // WGAN-GP's per-sample penalty is meaningless under norm layers that mix samples' statistics.
    discriminator: patchDiscriminator({ ndf: options.ndf, layers: options.dLayers, norm: options.adversarial === 'wgan-gp' ? 'none' : options.norm }),
    adversarial: options.adversarial,
    criticSteps: options.adversarial === 'wgan-gp' ? options.nCritic : 1,
    gradientPenaltyWeight: 10,
    learningRate: options.learningRate,
    beta1: options.beta1,
    lambdaCycle: options.lambdaCycle,
    lambdaIdentity: options.lambdaIdentity,
    perceptual: options.perceptual,
    // Runs recorded before this option existed had no target-expression loss.
    expressionLoss:
      options.lambdaExpression > 0
        ? {
            weight: options.lambdaExpression,
            targetClass: FACE_API_EXPRESSIONS[options.target],
            judge: lossJudge ? { classifier: lossJudge, targetClass: EXPRESSIONS.indexOf(options.target) } : null,
          }
        : null,
    lambdaChange: options.lambdaChange ?? 0,
    augment: options.augment ?? [],
    minority,
    minorityLabelSmoothing: options.labelSmoothing,
    minorityLabelFlip: options.labelFlip,
    poolSize: options.poolSize,
    // Runs recorded before this option existed kept no average.
    generatorAverage: options.generatorAverage ?? 0,
    seed: options.seed,
  };
}
