import * as tf from '../runtime/tf.js';

/** Least-squares GAN loss (Mao et al. 2017): mean((prediction - target)^2). */
export function lsganLoss(prediction: tf.Tensor, target: number | tf.Tensor): tf.Scalar {
  return tf.mean(tf.squaredDifference(prediction, target));
}

/** Mean absolute error, the cycle-consistency and identity loss. */
export function l1Loss(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return tf.mean(tf.abs(tf.sub(a, b)));
}
