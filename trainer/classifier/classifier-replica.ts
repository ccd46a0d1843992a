import * as tf from '../tfjs/tf.js';
import type { Network } from '../../core/networks/layers.js';
import type { NamedWeights } from '../../core/networks/weights.js';
import type { Replica, ReplicaContext } from '../parallel/replica.js';
import { buildNetwork, loadWeights, readWeights } from '../networks/network.js';
import { classifierOptimizer, type ClassifierBatch, type StepSettings } from './train.js';

export interface ClassifierReplicaConfig {
  spec: Network;
  /** The network every replica starts from (the caller's, whatever it was initialised or loaded with). */
  weights: NamedWeights;
  settings: StepSettings;
}

/** The expression classifier on one worker thread of a {@link ReplicaGroup} (see startClassifierTrainer). */
export function createReplica(config: ClassifierReplicaConfig, context: ReplicaContext): Replica {
  const net = buildNetwork(config.spec, 0, 'replica');
  loadWeights(net, config.weights);
  const optimizer = classifierOptimizer(net, config.settings);
  return {
    allReduceCapacity: [...net.weights.values()].reduce((n, v) => n + v.size, 0),
    step(shard: ClassifierBatch & { lossScale: number }): number {
      return optimizer.step(shard, { replicas: context, lossScale: shard.lossScale });
    },
    /** Weights and batch-norm running statistics, the same on every replica. */
    weights(): NamedWeights {
      return readWeights(net);
    },
    numTensors(): number {
      return tf.memory().numTensors;
    },
  };
}
