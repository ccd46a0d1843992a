import * as tf from '../tfjs/tf.js';
import { INSTANCE_NORM, INSTANCE_NORM_GRAD } from '../tfjs/kernels/custom-kernel-names.js';

export const INSTANCE_NORM_EPSILON = 1e-5;

/**
 * Instance normalisation over H and W of NHWC input, without affine terms:
 *   y = (x - mean) / sqrt(var + eps),  dx = rstd * (dy - mean(dy) - y * mean(dy * y)).
 * One custom-gradient op: a single fused kernel each way where the backend has faceaug's
 * (wasm), else a few tfjs ops, instead of the ~20 small kernels that autodiff of tf.moments
 * records for every normalised layer.
 */
export const instanceNorm = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
  const [y, rstd] = fused(INSTANCE_NORM)
    ? (tf.engine().runKernel(INSTANCE_NORM, { x }, { epsilon: INSTANCE_NORM_EPSILON }) as [tf.Tensor4D, tf.Tensor4D])
    : normalizeWithOps(x);
  save([y, rstd]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [savedY, savedRstd] = saved as [tf.Tensor4D, tf.Tensor4D];
      return fused(INSTANCE_NORM_GRAD)
        ? (tf.engine().runKernel(INSTANCE_NORM_GRAD, { dy, y: savedY, rstd: savedRstd }) as tf.Tensor4D)
        : gradientWithOps(dy as tf.Tensor4D, savedY, savedRstd);
    },
  };
}) as (x: tf.Tensor4D) => tf.Tensor4D;

const fused = (kernel: string) => tf.getKernel(kernel, tf.getBackend()) !== undefined;

export function normalizeWithOps(x: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D] {
  const { mean, variance } = tf.moments(x, [1, 2], true);
  const rstd = tf.rsqrt(tf.add(variance, INSTANCE_NORM_EPSILON)) as tf.Tensor4D;
  return [tf.mul(tf.sub(x, mean), rstd), rstd];
}

export function gradientWithOps(dy: tf.Tensor4D, y: tf.Tensor4D, rstd: tf.Tensor4D): tf.Tensor4D {
  const meanDy = tf.mean(dy, [1, 2], true);
  const meanDyY = tf.mean(tf.mul(dy, y), [1, 2], true);
  return tf.mul(rstd, tf.sub(tf.sub(dy, meanDy), tf.mul(y, meanDyY)));
}

/**
 * The fused gradient kernel's own gradient, which a WGAN-GP gradient penalty needs (it
 * differentiates the critic's input gradient). Per image and channel, with u the incoming
 * gradient of dx = rstd * (dy - mean(dy) - y * mean(dy * y)):
 *   d/d(dy)   = rstd * (u - mean(u) - y * mean(u * y))     (the same map: it is self-adjoint)
 *   d/dy      = -rstd * (u * mean(dy * y) + dy * mean(u * y))
 *   d/d(rstd) = sum(u * (dy - mean(dy) - y * mean(dy * y)))
 * written with tfjs ops, so that it is differentiable again and runs on every backend.
 */
tf.registerGradient({
  kernelName: INSTANCE_NORM_GRAD,
  inputsToSave: ['dy', 'y', 'rstd'],
  gradFunc: (u, saved) => {
    const [dy, y, rstd] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    const upstream = u as tf.Tensor4D;
    const mean = (t: tf.Tensor) => tf.mean(t, [1, 2], true);
    return {
      dy: () => gradientWithOps(upstream, y, rstd),
      y: () => tf.neg(tf.mul(rstd, tf.add(tf.mul(upstream, mean(tf.mul(dy, y))), tf.mul(dy, mean(tf.mul(upstream, y)))))),
      rstd: () => tf.sum(tf.mul(upstream, tf.sub(tf.sub(dy, mean(dy)), tf.mul(y, mean(tf.mul(dy, y))))), [1, 2], true),
    };
  },
});
