import { expressionClassifier } from '../../core/models/classifiers.js';
import { IMAGE_SIDE } from '../data/format.js';
import { buildNetwork, type BuiltNetwork } from '../models/network.js';

let built = 0;

/**
 * The expression classifier's weights (core/models/classifiers.ts), seeded. It trains through the
 * same network interpreter and kernels as the translators (batch norm, max-pool gradient and dense
 * products fused or on onnxruntime, see trainer/runtime/kernels/); dispose it with disposeNetwork.
 */
export function buildClassifier({ width }: { width: number }, seed: number): BuiltNetwork {
  // tfjs variable names must be unique per thread (a fold's baseline and augmented models may both
  // exist); the same seed still gives the same initial weights.
  return buildNetwork(expressionClassifier({ width, imageSide: IMAGE_SIDE }), seed, `classifier${built++}`, 'classifier');
}
