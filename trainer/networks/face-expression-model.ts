import * as tf from '../tfjs/tf.js';
import { loadFaceApi, type ExpressionNet } from '../../core/faces/face-api.js';

/**
 * face-api's expression network applied to generator images (grey NHWC in [-1, 1], 48x48),
 * differentiably: the perceptual cycle loss uses its features, the target-expression loss its
 * classifier. Grey levels go in as the RGB 0-255 faces it was trained on; face-api resizes them
 * to its 112x112 input.
 */
export interface FaceExpressionModel {
  /** The 256-d pooled features under the classifier's last layer. */
  features(images: tf.Tensor4D): tf.Tensor;
  /** Logits over face-api's seven expressions (see FACE_API_EXPRESSIONS). */
  logits(images: tf.Tensor4D): tf.Tensor2D;
  dispose(): void;
}

export async function loadFaceExpressionModel(): Promise<FaceExpressionModel> {
  const { api, modelDir } = loadFaceApi();
  const net: ExpressionNet = new api.FaceExpressionNet();
  await net.loadFromDisk(modelDir);
  const input = (images: tf.Tensor4D) => {
    const rgb = tf.tile(tf.mul(tf.add(images, 1), 127.5), [1, 1, 1, 3]) as tf.Tensor4D;
    return new api.NetInput(tf.unstack(rgb) as tf.Tensor3D[], true);
  };
  return {
    features: (images) => net.faceFeatureExtractor.forwardInput(input(images)),
    logits: (images) => net.runNet(input(images)),
    dispose: () => net.dispose(),
  };
}
