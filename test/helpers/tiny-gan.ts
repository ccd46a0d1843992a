import type { CycleGanConfig } from '../../trainer/gan/cyclegan.js';
import { generator } from '../../core/networks/generators.js';
import { patchDiscriminator } from '../../core/networks/discriminators.js';

/**
 * A CycleGAN small enough for a test step in well under a second (ResNet ngf 4 with one block,
 * PatchGAN ndf 4 with two layers) and no randomness of its own beyond `seed`; tests override
 * what they exercise.
 */
export function tinyCycleGan(overrides: Partial<CycleGanConfig> = {}): CycleGanConfig {
  return {
    generator: generator({ ngf: 4, blocks: 1, body: 'resnet', norm: 'instance' }),
    discriminator: patchDiscriminator({ ndf: 4, layers: 2, norm: 'instance' }),
    adversarial: 'lsgan',
    criticSteps: 1,
    gradientPenaltyWeight: 10,
    learningRate: 1e-3,
    beta1: 0.5,
    lambdaCycle: 10,
    lambdaIdentity: 0.5,
    perceptual: null,
    expressionLoss: null,
    lambdaChange: 0,
    augment: [],
    minority: 'B',
    minorityLabelSmoothing: 0,
    minorityLabelFlip: 0,
    poolSize: 0,
    generatorAverage: 0,
    seed: 3,
    ...overrides,
  };
}
