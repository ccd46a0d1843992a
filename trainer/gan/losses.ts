import * as tf from '../tfjs/tf.js';

/** Least-squares GAN loss (Mao et al. 2017): mean((prediction - target)^2); `target` may be per sample. */
export function lsganLoss(prediction: tf.Tensor, target: number | tf.Tensor): tf.Scalar {
  return tf.mean(tf.squaredDifference(prediction, target));
}

/** Mean absolute error, the cycle-consistency and identity loss. */
export function l1Loss(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return tf.mean(tf.abs(tf.sub(a, b)));
}

/** WGAN critic loss (Arjovsky et al. 2017): the critic maximises D(real) - D(fake). */
export function wganCriticLoss(real: tf.Tensor, fake: tf.Tensor): tf.Scalar {
  return tf.sub(tf.mean(fake), tf.mean(real));
}

/** WGAN generator loss: raise the critic's score of the fakes. */
export function wganGeneratorLoss(fake: tf.Tensor): tf.Scalar {
  return tf.neg(tf.mean(fake)) as tf.Scalar;
}

/**
 * Gradient penalty of WGAN-GP (Gulrajani et al. 2017): mean over samples of (||dD/dx||_2 - 1)^2
 * at x = e*real + (1-e)*fake, with one e per sample. `epsilon` is [batch] in [0, 1], drawn by
 * the caller so that the penalty is a pure function of its inputs.
 */
export function gradientPenalty(critic: (x: tf.Tensor4D) => tf.Tensor, real: tf.Tensor4D, fake: tf.Tensor4D, epsilon: tf.Tensor1D): tf.Scalar {
  const e = tf.reshape(epsilon, [-1, 1, 1, 1]);
  const mixed = tf.add(tf.mul(e, real), tf.mul(tf.sub(1, e), fake)) as tf.Tensor4D;
  const gradient = tf.grad((x: tf.Tensor) => tf.sum(critic(x as tf.Tensor4D)))(mixed);
  const norms = tf.sqrt(tf.add(tf.sum(tf.square(gradient), [1, 2, 3]), 1e-12));
  return tf.mean(tf.square(tf.sub(norms, 1)));
}
