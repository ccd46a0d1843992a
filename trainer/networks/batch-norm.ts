import * as tf from '../tfjs/tf.js';
import { BATCH_NORM, BATCH_NORM_GRAD } from '../tfjs/kernels/custom-kernel-names.js';
import type { ReplicaContext } from '../parallel/replica.js';

export interface BatchStatistics {
  /** gamma * (x - mean) / sqrt(variance + epsilon) + beta. */
  y: tf.Tensor4D;
  /** The batch's per-channel mean and (biased) variance, for the running averages. */
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

const fused = (kernel: string) => tf.getKernel(kernel, tf.getBackend()) !== undefined;

/**
 * Training-mode batch norm of NHWC input over N, H and W, with affine gamma and beta. One fused
 * kernel each way where the backend has faceaug's (wasm); elsewhere tf.moments + tf.batchNorm,
 * which autodiff turns into ~20 small kernels per layer (Tile, Sum, Sub, ... : 250 ms of a 3 s
 * classifier step on wasm). `replicas`: x is one data-parallel replica's shard, normalised with
 * the statistics of every replica's shards together (the fused kernels only).
 */
export function batchNormTraining(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number, replicas?: ReplicaContext): BatchStatistics {
  if (!fused(BATCH_NORM)) {
    if (replicas && replicas.size > 1) throw new Error(`batch norm across data-parallel replicas needs faceaug's wasm kernels, not the ${tf.getBackend()} backend`);
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    return { y: tf.batchNorm(x, mean, variance, beta, gamma, epsilon) as tf.Tensor4D, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
  }
  // A function attribute: tfjs hands attributes to the kernel and to the gradient untouched.
  const attrs = replicas && replicas.size > 1 ? { epsilon, allReduceMean: replicas.allReduceMean } : { epsilon };
  const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM, { x, gamma, beta }, attrs as unknown as tf.NamedAttrMap) as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
  return { y, mean, variance };
}

/** Only y's gradient is used: the statistics feed running averages, which the loss never sees. */
tf.registerGradient({
  kernelName: BATCH_NORM,
  inputsToSave: ['x', 'gamma'],
  outputsToSave: [false, true, false, true],
  gradFunc: (dys, saved, attrs) => {
    const [x, gamma, mean, rstd] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
    const dy = (dys as tf.Tensor[])[0]!;
    // One kernel computes all three; each closure runs in its own tidy, so they are made here.
    const [dx, dgamma, dbeta] = tf.engine().runKernel(BATCH_NORM_GRAD, { dy, x, mean, rstd, gamma }, attrs) as tf.Tensor[];
    return { x: () => dx!, gamma: () => dgamma!, beta: () => dbeta! };
  },
});
