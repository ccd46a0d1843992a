import * as tf from '../runtime/tf.js';
import { tensorsInHostMemory } from '../runtime/host-memory.js';

export const INSTANCE_NORM_EPSILON = 1e-5;

/**
 * Instance normalisation over H and W of NHWC input, without affine terms:
 *   y = (x - mean) / sqrt(var + eps),  dx = rstd * (dy - mean(dy) - y * mean(dy * y)).
 * As one custom-gradient op it is two passes over memory each way, instead of the ~20 small
 * kernels that autodiff of tf.moments records for every normalised layer.
 */
export const instanceNorm = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
  const [y, rstd] = tensorsInHostMemory() ? normalizeOnHost(x) : normalizeWithOps(x);
  save([y, rstd]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [savedY, savedRstd] = saved as [tf.Tensor4D, tf.Tensor4D];
      const dy4 = dy as tf.Tensor4D;
      return tensorsInHostMemory() ? gradientOnHost(dy4, savedY, savedRstd) : gradientWithOps(dy4, savedY, savedRstd);
    },
  };
}) as (x: tf.Tensor4D) => tf.Tensor4D;

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

export function normalizeOnHost(x: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D] {
  const [N, H, W, C] = x.shape;
  const values = x.dataSync() as Float32Array;
  const out = new Float32Array(values.length);
  const rstd = new Float32Array(N * C);
  const mean = new Float64Array(C);
  const square = new Float64Array(C);
  const area = H * W;
  for (let n = 0; n < N; n++) {
    mean.fill(0);
    square.fill(0);
    const base = n * area * C;
    for (let p = 0; p < area; p++) {
      const offset = base + p * C;
      for (let c = 0; c < C; c++) {
        const v = values[offset + c]!;
        mean[c] += v;
        square[c] += v * v;
      }
    }
    for (let c = 0; c < C; c++) {
      const m = mean[c]! / area;
      mean[c] = m;
      rstd[n * C + c] = 1 / Math.sqrt(Math.max(0, square[c]! / area - m * m) + INSTANCE_NORM_EPSILON);
    }
    for (let p = 0; p < area; p++) {
      const offset = base + p * C;
      for (let c = 0; c < C; c++) out[offset + c] = (values[offset + c]! - mean[c]!) * rstd[n * C + c]!;
    }
  }
  return [tf.tensor4d(out, x.shape), tf.tensor4d(rstd, [N, 1, 1, C])];
}

export function gradientOnHost(dy: tf.Tensor4D, y: tf.Tensor4D, rstd: tf.Tensor4D): tf.Tensor4D {
  const [N, H, W, C] = dy.shape;
  const g = dy.dataSync() as Float32Array;
  const yv = y.dataSync() as Float32Array;
  const r = rstd.dataSync() as Float32Array;
  const dx = new Float32Array(g.length);
  const meanG = new Float64Array(C);
  const meanGY = new Float64Array(C);
  const area = H * W;
  for (let n = 0; n < N; n++) {
    meanG.fill(0);
    meanGY.fill(0);
    const base = n * area * C;
    for (let p = 0; p < area; p++) {
      const offset = base + p * C;
      for (let c = 0; c < C; c++) {
        meanG[c] += g[offset + c]!;
        meanGY[c] += g[offset + c]! * yv[offset + c]!;
      }
    }
    for (let c = 0; c < C; c++) {
      meanG[c] /= area;
      meanGY[c] /= area;
    }
    for (let p = 0; p < area; p++) {
      const offset = base + p * C;
      for (let c = 0; c < C; c++) {
        dx[offset + c] = r[n * C + c]! * (g[offset + c]! - meanG[c]! - yv[offset + c]! * meanGY[c]!);
      }
    }
  }
  return tf.tensor4d(dx, dy.shape);
}
