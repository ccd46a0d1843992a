import * as tf from '../tfjs/tf.js';
import type { Network } from '../../core/networks/layers.js';
import type { NamedWeights } from '../../core/networks/weights.js';
import { buildNetwork, disposeNetwork, forward, loadWeights, readWeights, type BuiltNetwork } from '../networks/network.js';
import { averageGradients } from '../parallel/gradients.js';
import type { ReplicaContext } from '../parallel/replica.js';
import { seededRandom } from '../../core/random.js';
import { emptyPool, queryPool, type ImagePoolState } from './image-pool.js';
import { gradientPenalty, l1Loss, lsganLoss, wganCriticLoss, wganGeneratorLoss } from './losses.js';
import { diffAugment, type AugmentPolicy } from './diff-augment.js';
import { perceptualL1, type PerceptualWeights } from './perceptual.js';
import { targetExpressionLoss, type ExpressionLossSettings } from './expression-loss.js';
import { loadClassifier } from '../classifier/classifier-file.js';
import { logits as classifierLogits } from '../classifier/train.js';
import type { FaceExpressionModel } from '../networks/face-expression-model.js';
import { updateAverage } from './generator-average.js';

export type Adversarial = 'lsgan' | 'wgan-gp';
export type Domain = 'A' | 'B';

export interface CycleGanConfig {
  generator: Network;
  discriminator: Network;
  adversarial: Adversarial;
  /** WGAN-GP: critic updates per generator update, and the penalty weight (10 in the paper). */
  criticSteps: number;
  gradientPenaltyWeight: number;
  learningRate: number;
  beta1: number;
  lambdaCycle: number;
  /** Relative to lambdaCycle, as in the reference CycleGAN; 0 skips the identity passes. */
  lambdaIdentity: number;
  /** Perceptual cycle loss (beta * pixel L1 + alpha * feature L1), or null for plain L1. */
  perceptual: PerceptualWeights | null;
  /**
   * Target-expression loss on the A->B translations, read by a pre-trained classifier (face-api's)
   * through a random translation, so that a few pixels aimed at its weights cannot satisfy it; null: none.
   */
  expressionLoss: ExpressionLossSettings | null;
  /** Weight of the L1 distance between each translation and its own input (0: none). */
  lambdaChange: number;
  /** The rarer domain, whose discriminator gets the anti-overfitting measures below. */
  minority: Domain;
  /** One-sided label smoothing: the minority discriminator's real target is 1 - this (LSGAN). */
  minorityLabelSmoothing: number;
  /** Probability of swapping real and fake targets per sample for the minority discriminator (LSGAN). */
  minorityLabelFlip: number;
  /** DiffAugment policies applied to every discriminator input, real and fake (empty: none). */
  augment: readonly AugmentPolicy[];
  /** Image pool size per discriminator (50 in the reference; 0 disables). */
  poolSize: number;
  /**
   * Decay per step of an exponential moving average of the A->B generator's weights, the
   * translator that snapshots, samples and exports then use (0: none, the last weights).
   */
  generatorAverage: number;
  seed: number;
}

/** What changes from step to step, decided by the training loop from its schedules. */
export interface StepControls {
  learningRate: number;
  /** Standard deviation of the instance noise added to every discriminator input. */
  noiseSigma: number;
  /** False while alternate training rests the minority discriminator. */
  updateMinorityDiscriminator: boolean;
  /** Seeds this step's randomness (pool, flips, noise, penalty mixing), so a resumed run repeats it. */
  seed: number;
}

export interface CycleGanLosses {
  generator: number;
  adversarial: number;
  cycle: number;
  identity: number;
  /** The target-expression loss before its weight (0 when the run has none). */
  expression: number;
  /** The change penalty before its weight (0 when the run has none). */
  change: number;
  discriminatorA: number;
  discriminatorB: number;
}

export interface CycleGanState {
  /** `gABAverage`: the moving average of gAB, in runs that keep one. */
  weights: Record<'gAB' | 'gBA' | 'dA' | 'dB', NamedWeights> & { gABAverage?: NamedWeights };
  optimizers: Record<'generator' | 'discriminator', Array<{ name: string; shape: number[]; values: Float32Array }>>;
  pools: Record<Domain, ImagePoolState>;
}

const scalar = (t: tf.Tensor) => t.dataSync()[0]!;

/** The source -> target translator of a training state: the averaged generator where there is one. */
export function translatorWeights(weights: CycleGanState['weights']): NamedWeights {
  return weights.gABAverage ?? weights.gAB;
}

/**
 * Instance noise (Sønderby et al. 2017) for discriminator inputs: N(0, sigma^2), seeded from the
 * step's random stream; `salt` tells apart the tensors noised within one step.
 */
function instanceNoise(sigma: number, random: () => number): (x: tf.Tensor4D, salt: number) => tf.Tensor4D {
  const seed = Math.floor(random() * 2 ** 31);
  return (x, salt) => (sigma > 0 ? (tf.add(x, tf.randomNormal(x.shape, 0, sigma, 'float32', seed + salt)) as tf.Tensor4D) : x);
}

/** Adam's running products beta1^t and beta2^t, which tfjs keeps in protected variables. */
function adamPowers(optimizer: tf.AdamOptimizer): { accBeta1: tf.Variable; accBeta2: tf.Variable } {
  const { accBeta1, accBeta2 } = optimizer as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
  return { accBeta1, accBeta2 };
}

/**
 * Two generators (A->B, B->A) and two discriminators trained with LSGAN or WGAN-GP, cycle and
 * identity losses (Zhu et al. 2017), plus the measures against discriminator overfitting on a
 * small domain from the ECycleGAN study. Images are NHWC in [-1, 1]. All gradients pass through
 * `context`, so data-parallel replicas apply identical averaged updates.
 */
export class CycleGan {
  readonly gAB: BuiltNetwork;
  readonly gBA: BuiltNetwork;
  readonly dA: BuiltNetwork;
  readonly dB: BuiltNetwork;
  /** The moving average of gAB (config.generatorAverage > 0): never optimised, only averaged. */
  readonly gABAverage?: BuiltNetwork;
  private readonly generatorOptimizer: tf.AdamOptimizer;
  private readonly discriminatorOptimizer: tf.AdamOptimizer;
  private readonly pools: Record<Domain, ImagePoolState>;
  /** The registered judge of `expressionLoss.judge`, frozen (never among the optimised variables). */
  private readonly lossJudge?: BuiltNetwork;

  /** `faces` is required when the config asks for a perceptual cycle loss or a target-expression loss. */
  constructor(
    readonly config: CycleGanConfig,
    private readonly faces?: FaceExpressionModel,
  ) {
    if ((config.perceptual || config.expressionLoss) && !faces) throw new Error('a perceptual or target-expression loss needs the face expression model');
    this.gAB = buildNetwork(config.generator, config.seed, 'gAB');
    this.gBA = buildNetwork(config.generator, config.seed + 1, 'gBA');
    this.dA = buildNetwork(config.discriminator, config.seed + 2, 'dA');
    this.dB = buildNetwork(config.discriminator, config.seed + 3, 'dB');
    // Drawn under gAB's key, the average starts equal to gAB.
    if (config.generatorAverage > 0) this.gABAverage = buildNetwork(config.generator, config.seed, 'gABAverage', 'gAB');
    this.generatorOptimizer = tf.train.adam(config.learningRate, config.beta1, 0.999);
    this.discriminatorOptimizer = tf.train.adam(config.learningRate, config.beta1, 0.999);
    this.pools = { A: emptyPool(config.poolSize), B: emptyPool(config.poolSize) };
    if (config.expressionLoss?.judge) this.lossJudge = loadClassifier(config.expressionLoss.judge.classifier, 'lossJudge');
  }

  /** The source -> target translator: the averaged generator where there is one. */
  get translator(): BuiltNetwork {
    return this.gABAverage ?? this.gAB;
  }

  private get generatorVariables(): tf.Variable[] {
    return [...this.gAB.weights.values(), ...this.gBA.weights.values()];
  }

  private discriminatorVariables(updateMinority: boolean): tf.Variable[] {
    const majority = this.config.minority === 'A' ? this.dB : this.dA;
    const minority = this.config.minority === 'A' ? this.dA : this.dB;
    return [...majority.weights.values(), ...(updateMinority ? minority.weights.values() : [])];
  }

  /** The longest gradient vector a step all-reduces. */
  get gradientLength(): number {
    const count = (vs: tf.Variable[]) => vs.reduce((n, v) => n + v.size, 0);
    return Math.max(count(this.generatorVariables), count(this.discriminatorVariables(true)));
  }

  step(realA: tf.Tensor4D, realB: tf.Tensor4D, controls: StepControls, context: ReplicaContext): CycleGanLosses {
    for (const optimizer of [this.generatorOptimizer, this.discriminatorOptimizer]) {
      // tfjs keeps the rate in a protected field; Adam reads it on every update.
      (optimizer as unknown as { learningRate: number }).learningRate = controls.learningRate;
    }
    const random = seededRandom(controls.seed);
    return this.config.adversarial === 'lsgan'
      ? this.lsganStep(realA, realB, controls, random, context)
      : this.wganStep(realA, realB, controls, random, context);
  }

  /** Generator loss terms; the adversarial term is the caller's, as it differs between LSGAN and WGAN. */
  private generatorLoss(realA: tf.Tensor4D, realB: tf.Tensor4D, fakeA: tf.Tensor4D, fakeB: tf.Tensor4D, adversarial: tf.Scalar, random: () => number) {
    const { lambdaCycle, lambdaIdentity, perceptual, expressionLoss, lambdaChange } = this.config;
    const cycleLoss = (reconstructed: tf.Tensor4D, real: tf.Tensor4D) =>
      perceptual ? perceptualL1(this.faces!.features, reconstructed, real, perceptual) : l1Loss(reconstructed, real);
    const cycle = tf.add(cycleLoss(forward(this.gBA, fakeB), realA), cycleLoss(forward(this.gAB, fakeA), realB)) as tf.Scalar;
    const identity =
      lambdaIdentity > 0
        ? (tf.add(l1Loss(forward(this.gAB, realB), realB), l1Loss(forward(this.gBA, realA), realA)) as tf.Scalar)
        : tf.scalar(0);
    const expression = expressionLoss ? this.expressionLoss(diffAugment(fakeB, ['translation'], random), expressionLoss) : tf.scalar(0);
    const change = lambdaChange > 0 ? (tf.add(l1Loss(fakeB, realA), l1Loss(fakeA, realB)) as tf.Scalar) : tf.scalar(0);
    const total = tf.addN([
      adversarial,
      tf.mul(cycle, lambdaCycle),
      tf.mul(identity, lambdaCycle * lambdaIdentity),
      tf.mul(expression, expressionLoss?.weight ?? 0),
      tf.mul(change, lambdaChange),
    ]) as tf.Scalar;
    return { total, cycle, identity, expression, change };
  }

  /** face-api's cross entropy against the target, averaged with the loss judge's when there is one. */
  private expressionLoss(translations: tf.Tensor4D, settings: ExpressionLossSettings): tf.Scalar {
    const faceApi = targetExpressionLoss(this.faces!.logits(translations), settings.targetClass);
    if (!this.lossJudge) return faceApi;
    // faceaug's classifiers read grey levels in [0, 1].
    const judge = targetExpressionLoss(classifierLogits(this.lossJudge, tf.div(tf.add(translations, 1), 2) as tf.Tensor4D, { training: false }), settings.judge!.targetClass);
    return tf.div(tf.add(faceApi, judge), 2) as tf.Scalar;
  }

  /** What a discriminator sees of `x`: DiffAugment with fresh draws on every call. */
  private augmented(random: () => number): (x: tf.Tensor4D) => tf.Tensor4D {
    return (x) => (this.config.augment.length > 0 ? diffAugment(x, this.config.augment, random) : x);
  }

  private lsganStep(realA: tf.Tensor4D, realB: tf.Tensor4D, controls: StepControls, random: () => number, context: ReplicaContext) {
    let fakeA!: tf.Tensor4D;
    let fakeB!: tf.Tensor4D;
    const parts: tf.Scalar[] = [];
    const augment = this.augmented(random);
    const g = tf.variableGrads(() => {
      fakeB = tf.keep(forward(this.gAB, realA));
      fakeA = tf.keep(forward(this.gBA, realB));
      const adversarial = tf.add(lsganLoss(forward(this.dB, augment(fakeB)), 1), lsganLoss(forward(this.dA, augment(fakeA)), 1)) as tf.Scalar;
      const { total, cycle, identity, expression, change } = this.generatorLoss(realA, realB, fakeA, fakeB, adversarial, random);
      parts.push(tf.keep(adversarial), tf.keep(cycle), tf.keep(identity), tf.keep(expression), tf.keep(change));
      return total;
    }, this.generatorVariables);
    this.applyGenerator(g.grads, context);

    const pooledA = this.fromPool('A', fakeA, random);
    const pooledB = this.fromPool('B', fakeB, random);
    const batch = realA.shape[0];
    const targets = (domain: Domain) => {
      if (domain !== this.config.minority) return { real: tf.scalar(1), fake: tf.scalar(0) };
      const realTarget = 1 - this.config.minorityLabelSmoothing;
      const flips = Array.from({ length: batch }, () => random() < this.config.minorityLabelFlip);
      return {
        real: tf.tensor4d(flips.map((f) => (f ? 0 : realTarget)), [batch, 1, 1, 1]),
        fake: tf.tensor4d(flips.map((f) => (f ? realTarget : 0)), [batch, 1, 1, 1]),
      };
    };
    const noisy = instanceNoise(controls.noiseSigma, random);
    const dLosses: tf.Scalar[] = [];
    const variables = this.discriminatorVariables(controls.updateMinorityDiscriminator);
    const d = tf.variableGrads(() => {
      const loss = (net: BuiltNetwork, domain: Domain, real: tf.Tensor4D, fake: tf.Tensor4D, salt: number) => {
        const { real: realTarget, fake: fakeTarget } = targets(domain);
        const value = tf.mul(
          tf.add(
            lsganLoss(forward(net, noisy(augment(real), salt)), realTarget),
            lsganLoss(forward(net, noisy(augment(fake), salt + 1)), fakeTarget),
          ),
          0.5,
        ) as tf.Scalar;
        dLosses.push(tf.keep(value));
        return value;
      };
      return this.discriminatorObjective(loss(this.dA, 'A', realA, pooledA, 0), loss(this.dB, 'B', realB, pooledB, 2), controls);
    }, variables);
    this.apply(this.discriminatorOptimizer, d.grads, variables, context);

    const [adversarial, cycle, identity, expression, change] = parts.map(scalar) as [number, number, number, number, number];
    const losses: CycleGanLosses = {
      generator: scalar(g.value),
      adversarial,
      cycle,
      identity,
      expression,
      change,
      discriminatorA: scalar(dLosses[0]!),
      discriminatorB: scalar(dLosses[1]!),
    };
    tf.dispose([g.value, d.value, fakeA, fakeB, pooledA, pooledB, ...parts, ...dLosses]);
    return losses;
  }

  private wganStep(realA: tf.Tensor4D, realB: tf.Tensor4D, controls: StepControls, random: () => number, context: ReplicaContext) {
    const batch = realA.shape[0];
    const { gradientPenaltyWeight } = this.config;
    const variables = this.discriminatorVariables(controls.updateMinorityDiscriminator);
    const augment = this.augmented(random);
    let criticA = 0;
    let criticB = 0;
    for (let k = 0; k < this.config.criticSteps; k++) {
      const [fakeA, fakeB] = tf.tidy(() => [forward(this.gBA, realB), forward(this.gAB, realA)]) as [tf.Tensor4D, tf.Tensor4D];
      const pooledA = this.fromPool('A', fakeA, random);
      const pooledB = this.fromPool('B', fakeB, random);
      const epsilon = () => tf.tensor1d(Array.from({ length: batch }, () => random()), 'float32');
      const noisy = instanceNoise(controls.noiseSigma, random);
      const values: tf.Scalar[] = [];
      const d = tf.variableGrads(() => {
        const loss = (net: BuiltNetwork, real: tf.Tensor4D, fake: tf.Tensor4D, salt: number) => {
          const critic = (x: tf.Tensor4D) => forward(net, x);
          // The penalty holds the critic 1-Lipschitz on what it sees: the augmented images.
          const [seenReal, seenFake] = [augment(real), augment(fake)];
          const value = tf.add(
            wganCriticLoss(critic(noisy(seenReal, salt)), critic(noisy(seenFake, salt + 1))),
            tf.mul(gradientPenalty(critic, seenReal, seenFake, epsilon()), gradientPenaltyWeight),
          ) as tf.Scalar;
          values.push(tf.keep(value));
          return value;
        };
        return this.discriminatorObjective(loss(this.dA, realA, pooledA, 0), loss(this.dB, realB, pooledB, 2), controls);
      }, variables);
      this.apply(this.discriminatorOptimizer, d.grads, variables, context);
      [criticA, criticB] = values.map(scalar) as [number, number];
      tf.dispose([d.value, fakeA, fakeB, pooledA, pooledB, ...values]);
    }

    const parts: tf.Scalar[] = [];
    const g = tf.variableGrads(() => {
      const fakeB = forward(this.gAB, realA);
      const fakeA = forward(this.gBA, realB);
      const adversarial = tf.add(wganGeneratorLoss(forward(this.dB, augment(fakeB))), wganGeneratorLoss(forward(this.dA, augment(fakeA)))) as tf.Scalar;
      const { total, cycle, identity, expression, change } = this.generatorLoss(realA, realB, fakeA, fakeB, adversarial, random);
      parts.push(tf.keep(adversarial), tf.keep(cycle), tf.keep(identity), tf.keep(expression), tf.keep(change));
      return total;
    }, this.generatorVariables);
    this.applyGenerator(g.grads, context);
    const [adversarial, cycle, identity, expression, change] = parts.map(scalar) as [number, number, number, number, number];
    const losses = { generator: scalar(g.value), adversarial, cycle, identity, expression, change, discriminatorA: criticA, discriminatorB: criticB };
    tf.dispose([g.value, ...parts]);
    return losses;
  }

  /** Both discriminators' losses, or only the majority's while alternate training rests the minority one. */
  private discriminatorObjective(lossA: tf.Scalar, lossB: tf.Scalar, controls: StepControls): tf.Scalar {
    if (controls.updateMinorityDiscriminator) return tf.add(lossA, lossB) as tf.Scalar;
    return this.config.minority === 'A' ? lossB : lossA;
  }

  /** Fakes as the discriminator of `domain` sees them: through that domain's image pool. */
  private fromPool(domain: Domain, fakes: tf.Tensor4D, random: () => number): tf.Tensor4D {
    const [n, h, w, c] = fakes.shape;
    const size = h * w * c;
    const values = fakes.dataSync() as Float32Array;
    const images = Array.from({ length: n }, (_, i) => values.subarray(i * size, (i + 1) * size));
    const chosen = queryPool(this.pools[domain], images, random);
    const out = new Float32Array(n * size);
    chosen.forEach((image, i) => out.set(image, i * size));
    return tf.tensor4d(out, fakes.shape);
  }

  private applyGenerator(grads: tf.NamedTensorMap, context: ReplicaContext) {
    this.apply(this.generatorOptimizer, grads, this.generatorVariables, context);
    if (this.gABAverage) updateAverage(this.gABAverage, this.gAB, this.config.generatorAverage);
  }

  private apply(optimizer: tf.Optimizer, grads: tf.NamedTensorMap, variables: tf.Variable[], context: ReplicaContext) {
    const averaged = averageGradients(grads, variables, context);
    optimizer.applyGradients(averaged);
    tf.dispose(Object.values(averaged));
  }

  async getState(): Promise<CycleGanState> {
    const optimizerState = async (optimizer: tf.AdamOptimizer) => {
      const [iterations, ...moments] = await optimizer.getWeights();
      const values = [iterations!, ...moments].map(({ name, tensor }) => ({ name, shape: tensor.shape.slice(), values: Float32Array.from(tensor.dataSync()) }));
      // getWeights makes the iteration count afresh on every call (the moments are the optimiser's own).
      iterations!.tensor.dispose();
      return [
        // Adam's iteration count is an int32 scalar; everything is stored as float32 values.
        ...values,
        ...Object.entries(adamPowers(optimizer)).map(([name, v]) => ({ name, shape: [], values: Float32Array.from(v.dataSync()) })),
      ];
    };
    return {
      weights: {
        gAB: readWeights(this.gAB),
        gBA: readWeights(this.gBA),
        dA: readWeights(this.dA),
        dB: readWeights(this.dB),
        ...(this.gABAverage && { gABAverage: readWeights(this.gABAverage) }),
      },
      optimizers: { generator: await optimizerState(this.generatorOptimizer), discriminator: await optimizerState(this.discriminatorOptimizer) },
      pools: { A: { ...this.pools.A, images: this.pools.A.images.map((i) => i.slice()) }, B: { ...this.pools.B, images: this.pools.B.images.map((i) => i.slice()) } },
    };
  }

  /**
   * The four networks' weights only: optimisers and pools stay as they are (fresh, for a warm
   * start), and the average, if any, starts again from gAB.
   */
  setWeights(weights: CycleGanState['weights']): void {
    loadWeights(this.gAB, weights.gAB);
    loadWeights(this.gBA, weights.gBA);
    loadWeights(this.dA, weights.dA);
    loadWeights(this.dB, weights.dB);
    if (this.gABAverage) loadWeights(this.gABAverage, weights.gAB);
  }

  async setState(state: CycleGanState): Promise<void> {
    this.setWeights(state.weights);
    // A checkpoint of a run that kept no average yet (an older run, a changed option) starts it here.
    if (this.gABAverage && state.weights.gABAverage) loadWeights(this.gABAverage, state.weights.gABAverage);
    const restore = async (optimizer: tf.AdamOptimizer, saved: CycleGanState['optimizers']['generator']) => {
      const powers = adamPowers(optimizer);
      const moments = saved.filter(({ name }) => !(name in powers));
      const tensors = moments.map(({ name, shape, values }) => ({ name, tensor: tf.tensor(values, shape, 'float32') }));
      await optimizer.setWeights(tensors);
      tf.dispose(tensors.map((t) => t.tensor));
      // setWeights recomputes beta^t with pow(), which rounds differently from the running
      // product; restoring the exact values keeps a resumed run bit-identical to an unbroken one.
      for (const { name, values } of saved.filter(({ name }) => name in powers)) {
        tf.tidy(() => powers[name as keyof typeof powers].assign(tf.scalar(values[0]!)));
      }
    };
    await restore(this.generatorOptimizer, state.optimizers.generator);
    await restore(this.discriminatorOptimizer, state.optimizers.discriminator);
    this.pools.A = { ...state.pools.A, images: state.pools.A.images.map((i) => i.slice()) };
    this.pools.B = { ...state.pools.B, images: state.pools.B.images.map((i) => i.slice()) };
  }

  dispose(): void {
    for (const net of [this.gAB, this.gBA, this.dA, this.dB, this.gABAverage, this.lossJudge]) if (net) disposeNetwork(net);
    this.generatorOptimizer.dispose();
    this.discriminatorOptimizer.dispose();
  }
}
