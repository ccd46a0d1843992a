import * as tf from '../runtime/tf.js';
import type { Replica, ReplicaContext } from '../runtime/replica.js';
import { CycleGan, type CycleGanConfig, type CycleGanLosses } from './cyclegan.js';

export interface CycleGanShard {
  /** This replica's images of each domain, NHWC [batch, 48, 48, 1] in [-1, 1]. */
  a: Float32Array;
  b: Float32Array;
  batch: number;
  size: number;
}

/** A CycleGAN on one worker thread of a {@link ReplicaGroup}. */
export function createReplica(config: CycleGanConfig, context: ReplicaContext): Replica {
  const gan = new CycleGan(config);
  return {
    allReduceCapacity: gan.gradientLength,
    step(shard: CycleGanShard): CycleGanLosses {
      const shape: [number, number, number, number] = [shard.batch, shard.size, shard.size, 1];
      const a = tf.tensor4d(shard.a, shape);
      const b = tf.tensor4d(shard.b, shape);
      try {
        return gan.step(a, b, context);
      } finally {
        tf.dispose([a, b]);
      }
    },
    /** Every weight of the four networks, concatenated in a fixed order. */
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
