import * as tf from '../runtime/tf.js';
import type { Network } from '../../core/models/layers.js';
import { buildNetwork, disposeNetwork, forward, type BuiltNetwork } from '../models/network.js';
import { averageGradients } from '../runtime/gradients.js';
import type { ReplicaContext } from '../runtime/replica.js';
import { l1Loss, lsganLoss } from './losses.js';

export interface CycleGanConfig {
  generator: Network;
  discriminator: Network;
  learningRate: number;
  beta1: number;
  lambdaCycle: number;
  /** Relative to lambdaCycle, as in the reference CycleGAN. */
  lambdaIdentity: number;
  seed: number;
}

export interface CycleGanLosses {
  generator: number;
  discriminator: number;
}

/**
 * Two generators (A->B, B->A) and two discriminators trained with LSGAN, cycle-consistency and
 * identity losses (Zhu et al. 2017). Images are NHWC in [-1, 1]. Gradients pass through
 * `context` so that data-parallel replicas apply identical averaged updates.
 */
export class CycleGan {
  readonly gAB: BuiltNetwork;
  readonly gBA: BuiltNetwork;
  readonly dA: BuiltNetwork;
  readonly dB: BuiltNetwork;
  private readonly generatorVariables: tf.Variable[];
  private readonly discriminatorVariables: tf.Variable[];
  private readonly generatorOptimizer: tf.AdamOptimizer;
  private readonly discriminatorOptimizer: tf.AdamOptimizer;

  constructor(readonly config: CycleGanConfig) {
    this.gAB = buildNetwork(config.generator, config.seed, 'gAB');
    this.gBA = buildNetwork(config.generator, config.seed + 1, 'gBA');
    this.dA = buildNetwork(config.discriminator, config.seed + 2, 'dA');
    this.dB = buildNetwork(config.discriminator, config.seed + 3, 'dB');
    this.generatorVariables = [...this.gAB.weights.values(), ...this.gBA.weights.values()];
    this.discriminatorVariables = [...this.dA.weights.values(), ...this.dB.weights.values()];
    this.generatorOptimizer = tf.train.adam(config.learningRate, config.beta1, 0.999);
    this.discriminatorOptimizer = tf.train.adam(config.learningRate, config.beta1, 0.999);
  }

  /** The longest gradient vector a step all-reduces. */
  get gradientLength(): number {
    const count = (vs: tf.Variable[]) => vs.reduce((n, v) => n + v.size, 0);
    return Math.max(count(this.generatorVariables), count(this.discriminatorVariables));
  }

  /** One optimisation step of both generators, then both discriminators, on a batch of each domain. */
  step(realA: tf.Tensor4D, realB: tf.Tensor4D, context: ReplicaContext): CycleGanLosses {
    const { lambdaCycle, lambdaIdentity } = this.config;
    let fakeA: tf.Tensor4D | undefined;
    let fakeB: tf.Tensor4D | undefined;
    const g = tf.variableGrads(() => {
      fakeB = tf.keep(forward(this.gAB, realA));
      fakeA = tf.keep(forward(this.gBA, realB));
      const adversarial = tf.add(lsganLoss(forward(this.dB, fakeB), 1), lsganLoss(forward(this.dA, fakeA), 1));
      const cycle = tf.add(l1Loss(forward(this.gBA, fakeB), realA), l1Loss(forward(this.gAB, fakeA), realB));
      const identity = tf.add(l1Loss(forward(this.gAB, realB), realB), l1Loss(forward(this.gBA, realA), realA));
      return tf.addN([adversarial, tf.mul(cycle, lambdaCycle), tf.mul(identity, lambdaCycle * lambdaIdentity)]) as tf.Scalar;
    }, this.generatorVariables);
    this.apply(this.generatorOptimizer, g.grads, this.generatorVariables, context);

    const d = tf.variableGrads(() => {
      const lossA = tf.add(lsganLoss(forward(this.dA, realA), 1), lsganLoss(forward(this.dA, fakeA!), 0));
      const lossB = tf.add(lsganLoss(forward(this.dB, realB), 1), lsganLoss(forward(this.dB, fakeB!), 0));
      return tf.mul(tf.add(lossA, lossB), 0.5) as tf.Scalar;
    }, this.discriminatorVariables);
    this.apply(this.discriminatorOptimizer, d.grads, this.discriminatorVariables, context);

    const losses = { generator: g.value.dataSync()[0]!, discriminator: d.value.dataSync()[0]! };
    tf.dispose([g.value, d.value, fakeA!, fakeB!]);
    return losses;
  }

  private apply(optimizer: tf.Optimizer, grads: tf.NamedTensorMap, variables: tf.Variable[], context: ReplicaContext) {
    const averaged = averageGradients(grads, variables, context);
    optimizer.applyGradients(averaged);
    tf.dispose(Object.values(averaged));
  }

  dispose(): void {
    for (const net of [this.gAB, this.gBA, this.dA, this.dB]) disposeNetwork(net);
    this.generatorOptimizer.dispose();
    this.discriminatorOptimizer.dispose();
  }
}
