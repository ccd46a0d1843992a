import * as tf from '../tfjs/tf.js';

/** Perceptual cycle loss weights: beta * pixel L1 + alpha * feature L1. */
export interface PerceptualWeights {
  alpha: number;
  beta: number;
}

/**
 * Maps generator images ([-1, 1] grey NHWC) to a pre-trained network's features: in training,
 * face-api's expression features (trainer/networks/face-expression-model.ts), a face-specific
 * stand-in for the VGG19 features of the ECycleGAN study, whose ImageNet weights are not
 * available here; its authors named a face network as the better choice.
 */
export type FeatureExtractor = (images: tf.Tensor4D) => tf.Tensor;

/** beta * L1(a, b) + alpha * L1(phi(a), phi(b)), the ECycleGAN cycle loss. */
export function perceptualL1(extract: FeatureExtractor, a: tf.Tensor4D, b: tf.Tensor4D, { alpha, beta }: PerceptualWeights): tf.Scalar {
  const pixel = tf.mean(tf.abs(tf.sub(a, b)));
  if (alpha === 0) return tf.mul(pixel, beta) as tf.Scalar;
  const features = tf.mean(tf.abs(tf.sub(extract(a), extract(b))));
  return tf.add(tf.mul(pixel, beta), tf.mul(features, alpha)) as tf.Scalar;
}
