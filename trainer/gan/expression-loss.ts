import * as tf from '../tfjs/tf.js';

/** Target-expression loss settings: its weight in the generator loss and the class it asks for. */
export interface ExpressionLossSettings {
  weight: number;
  /** The target's column among face-api's logits. */
  targetClass: number;
  /**
   * A second reader: one of faceaug's own registered judges (a packed classifier file) and the
   * target's column among its logits; the loss is then the mean of both readers' cross entropies,
   * so a pattern that fools one network alone pays only half. Null: face-api's classifier alone.
   */
  judge: { classifier: Uint8Array; targetClass: number } | null;
}

/**
 * Mean softmax cross entropy of a classifier's reading of translated faces against the target
 * class: small when the classifier sees the target expression in every translation.
 */
export function targetExpressionLoss(logits: tf.Tensor2D, targetClass: number): tf.Scalar {
  const [batch, classes] = logits.shape;
  if (!(targetClass >= 0 && targetClass < classes)) throw new RangeError(`target class ${targetClass} is not among ${classes} classes`);
  const targets = tf.oneHot(tf.fill([batch], targetClass, 'int32') as tf.Tensor1D, classes);
  return tf.losses.softmaxCrossEntropy(targets, logits) as tf.Scalar;
}
