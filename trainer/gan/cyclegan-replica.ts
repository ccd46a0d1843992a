import * as tf from '../tfjs/tf.js';
import type { Replica, ReplicaContext } from '../parallel/replica.js';
import { forward } from '../networks/network.js';
import { loadFaceExpressionModel } from '../networks/face-expression-model.js';
import { CycleGan, type CycleGanConfig, type CycleGanLosses, type CycleGanState, type StepControls } from './cyclegan.js';

export interface CycleGanShard {
  /** This replica's images of each domain, NHWC [batch, size, size, 1] in [-1, 1]. */
  a: Float32Array;
  b: Float32Array;
  batch: number;
  size: number;
  controls: StepControls;
}

/** A CycleGAN on one worker thread of a {@link ReplicaGroup}. */
export async function createReplica(config: CycleGanConfig, context: ReplicaContext): Promise<Replica> {
  const faces = config.perceptual || config.expressionLoss ? await loadFaceExpressionModel() : undefined;
  const gan = new CycleGan(config, faces);
  return {
    allReduceCapacity: gan.gradientLength,
    step(shard: CycleGanShard): CycleGanLosses {
      const shape: [number, number, number, number] = [shard.batch, shard.size, shard.size, 1];
      const a = tf.tensor4d(shard.a, shape);
      const b = tf.tensor4d(shard.b, shape);
      try {
        // Each replica draws its own pool, flip and noise randomness, reproducibly.
        return gan.step(a, b, { ...shard.controls, seed: shard.controls.seed * 65_537 + context.rank }, context);
      } finally {
        tf.dispose([a, b]);
      }
    },
    /** Weights, optimiser moments and this replica's image pools, for a checkpoint. */
    getState(): Promise<CycleGanState> {
      return gan.getState();
    },
    setState(state: CycleGanState): Promise<void> {
      return gan.setState(state);
    },
    setWeights(weights: CycleGanState['weights']): void {
      gan.setWeights(weights);
    },
    /** A->B translations of `images` and their B->A reconstructions (inference mode). */
    translate(input: { images: Float32Array; count: number; size: number }): { translated: Float32Array; reconstructed: Float32Array } {
      return tf.tidy(() => {
        const x = tf.tensor4d(input.images, [input.count, input.size, input.size, 1]);
        const translated = forward(gan.translator, x, { training: false });
        const reconstructed = forward(gan.gBA, translated, { training: false });
        return { translated: translated.dataSync() as Float32Array, reconstructed: reconstructed.dataSync() as Float32Array };
      });
    },
    /** Every trainable weight, concatenated in a fixed order (to compare replicas). */
    weights(): Float32Array {
      const variables = [gan.gAB, gan.gBA, gan.dA, gan.dB].flatMap((net) => [...net.weights.values()]);
      const out = new Float32Array(variables.reduce((n, v) => n + v.size, 0));
      let offset = 0;
      for (const v of variables) {
        out.set(v.dataSync() as Float32Array, offset);
        offset += v.size;
      }
      return out;
    },
    numTensors(): number {
      return tf.memory().numTensors;
    },
  };
}
