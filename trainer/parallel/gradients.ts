import * as tf from '../tfjs/tf.js';
import type { ReplicaContext } from './replica.js';

/**
 * Replaces each replica's gradients with their mean over all replicas (for equal shards, the
 * gradient of the whole batch). `variables` fixes the order in which they are packed.
 */
export function averageGradients(grads: tf.NamedTensorMap, variables: tf.Variable[], context: ReplicaContext): tf.NamedTensorMap {
  if (context.size === 1) return grads;
  const total = variables.reduce((n, v) => n + v.size, 0);
  const packed = new Float32Array(total);
  let offset = 0;
  for (const v of variables) {
    const grad = grads[v.name];
    if (grad) packed.set(grad.dataSync() as Float32Array, offset);
    offset += v.size;
  }
  const mean = context.allReduceMean(packed);
  tf.dispose(Object.values(grads));
  const averaged: tf.NamedTensorMap = {};
  offset = 0;
  for (const v of variables) {
    averaged[v.name] = tf.tensor(mean.subarray(offset, offset + v.size), v.shape, 'float32');
    offset += v.size;
  }
  return averaged;
}
