import * as tf from '../tfjs/tf.js';
import type { BuiltNetwork } from '../networks/network.js';

/**
 * One step of an exponential moving average of a network's weights: average <- decay x average
 * + (1 - decay) x current. Averaging a GAN generator's iterates smooths the oscillation that the
 * adversarial game leaves in the last weights and measurably improves sample quality at no training
 * cost (Karras et al. 2018; Yazıcı et al. 2019). Running statistics (batch norm) are copied: they
 * describe the current weights' activations, not an average of them.
 */
export function updateAverage(average: BuiltNetwork, current: BuiltNetwork, decay: number): void {
  tf.tidy(() => {
    for (const [key, weight] of current.weights) {
      const averaged = average.weights.get(key)!;
      averaged.assign(tf.add(tf.mul(averaged, decay), tf.mul(weight, 1 - decay)));
    }
    for (const [key, statistic] of current.statistics) average.statistics.get(key)!.assign(statistic);
  });
}
