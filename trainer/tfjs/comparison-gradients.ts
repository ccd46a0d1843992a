import * as tf from './tf.js';

/**
 * Comparisons are piecewise constant, so their gradient is zero almost everywhere. tfjs registers
 * none, which only matters for second-order gradients: WGAN-GP differentiates the critic's
 * input gradient, and LeakyRelu's gradient contains a Greater.
 */
export function registerComparisonGradients(): void {
  for (const kernelName of [tf.Greater, tf.GreaterEqual, tf.Less, tf.LessEqual, tf.Equal, tf.NotEqual]) {
    tf.registerGradient({
      kernelName,
      inputsToSave: ['a', 'b'],
      gradFunc: (_dy, saved) => ({ a: () => tf.zerosLike(saved[0]!), b: () => tf.zerosLike(saved[1]!) }),
    });
  }
}
