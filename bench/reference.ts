import { generator } from '../core/networks/generators.js';
import { patchDiscriminator } from '../core/networks/discriminators.js';
import type { CycleGanConfig } from '../trainer/gan/cyclegan.js';

/**
 * The benchmark's CycleGAN, identical to ../shared/bench/torch_cyclegan_step.py: ResNet
 * generators c7s1-32,d64,d128,6xR128,u64,u32,c7s1-1 and PatchGANs C64-C128-C256-C512, instance
 * norm, LSGAN + 10 x L1 cycle + 0.5 identity, Adam 2e-4 (0.5, 0.999).
 */
export const referenceCycleGan: CycleGanConfig = {
  generator: generator({ ngf: 32, blocks: 6, body: 'resnet', norm: 'instance' }),
  discriminator: patchDiscriminator({ ndf: 64, layers: 3, norm: 'instance' }),
  adversarial: 'lsgan',
  criticSteps: 1,
  gradientPenaltyWeight: 10,
  learningRate: 2e-4,
  beta1: 0.5,
  lambdaCycle: 10,
  lambdaIdentity: 0.5,
  perceptual: null,
  expressionLoss: null,
  lambdaChange: 0,
  augment: [],
  // The PyTorch script has no image pool or label tricks; neither costs measurable time.
  minority: 'B',
  minorityLabelSmoothing: 0,
  minorityLabelFlip: 0,
  poolSize: 0,
  generatorAverage: 0,
  seed: 0,
};
