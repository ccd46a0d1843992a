import * as tf from '../tfjs/tf.js';
import { loadFaceApi, type ExpressionNet, type FaceApi } from '../networks/face-api.js';

/** Perceptual cycle loss weights: beta * pixel L1 + alpha * feature L1. */
export interface PerceptualWeights {
  alpha: number;
  beta: number;
}

/** Maps generator images ([-1, 1] grey NHWC) to a pre-trained network's features. */
export type FeatureExtractor = (images: tf.Tensor4D) => tf.Tensor;

/**
 * Features of face-api's expression network (its 256-d pooled feature extractor), a
 * face-specific stand-in for the VGG19 features of the ECycleGAN study, whose ImageNet weights
 * are not available here; its authors named a face network as the better choice. Grey levels
 * go in as the RGB 0-255 faces it was trained on; face-api resizes them to its 112x112 input.
 */
export async function loadFaceFeatures(): Promise<{ extract: FeatureExtractor; dispose(): void }> {
  const { api, modelDir }: { api: FaceApi; modelDir: string } = loadFaceApi();
  const net: ExpressionNet = new api.FaceExpressionNet();
  await net.loadFromDisk(modelDir);
  const extract: FeatureExtractor = (images) => {
    const rgb = tf.tile(tf.mul(tf.add(images, 1), 127.5), [1, 1, 1, 3]) as tf.Tensor4D;
    return net.faceFeatureExtractor.forwardInput(new api.NetInput(tf.unstack(rgb) as tf.Tensor3D[], true));
  };
  return { extract, dispose: () => net.dispose() };
}

/** beta * L1(a, b) + alpha * L1(phi(a), phi(b)), the ECycleGAN cycle loss. */
export function perceptualL1(extract: FeatureExtractor, a: tf.Tensor4D, b: tf.Tensor4D, { alpha, beta }: PerceptualWeights): tf.Scalar {
  const pixel = tf.mean(tf.abs(tf.sub(a, b)));
  if (alpha === 0) return tf.mul(pixel, beta) as tf.Scalar;
  const features = tf.mean(tf.abs(tf.sub(extract(a), extract(b))));
  return tf.add(tf.mul(pixel, beta), tf.mul(features, alpha)) as tf.Scalar;
}
