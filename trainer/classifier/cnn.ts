import { expressionClassifier, type ClassifierShape } from '../../core/networks/classifiers.js';
import { FACE_SIZE } from '../../core/image-codec.js';
import { buildNetwork, type BuiltNetwork } from '../networks/network.js';

let built = 0;

/**
 * The expression classifier's weights (core/networks/classifiers.ts), seeded. It trains through the
 * same network interpreter and kernels as the translators (batch norm, max-pool gradient and dense
 * products fused or on onnxruntime, see trainer/runtime/kernels/); dispose it with disposeNetwork.
 */
export function buildClassifier(shape: Omit<ClassifierShape, 'imageSide'>, seed: number): BuiltNetwork {
  // tfjs variable names must be unique per thread (a fold's baseline and augmented models may both
  // exist); the same seed still gives the same initial weights.
  return buildNetwork(expressionClassifier({ architecture: shape.architecture, width: shape.width, dropout: shape.dropout, imageSide: FACE_SIZE }), seed, `classifier${built++}`, 'classifier');
}
