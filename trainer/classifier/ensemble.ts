import { NUM_EXPRESSIONS } from '../../core/expressions.js';
import { disposeNetwork, type BuiltNetwork } from '../networks/network.js';
import { buildClassifier } from './cnn.js';
import type { ClassifierSettings } from './options.js';
import type { TestAugmentation } from './test-views.js';
import { predictProbabilities, trainClassifier, type TrainOptions } from './train.js';

/**
 * Member k's seed. The first member keeps the ensemble's seed, so a one-member ensemble is the
 * single classifier that seed has always trained; the others stay clear of the seed + fold seeds
 * that out-of-fold training gives its folds.
 */
export function memberSeed(seed: number, member: number): number {
  return seed + 1_000 * member;
}

export interface EnsembleOptions extends Pick<TrainOptions, 'workers'> {
  seed: number;
  /** Called after each batch of each member with batches done and the total over all members. */
  onBatch?: (done: number, total: number) => void;
  /** Called after each epoch (1-based) of member `member` (0-based), e.g. to score it so far. */
  onEpoch?: (member: number, epoch: number, net: BuiltNetwork) => void;
}

/**
 * `settings.members` classifiers trained one after the other on the same images, each from its
 * own seed (its initial weights, batch order and augmentation): what {@link ensembleProbabilities}
 * averages. Dispose them with {@link disposeEnsemble}.
 */
export async function trainEnsemble(
  settings: ClassifierSettings,
  pixels: Uint8Array,
  labels: ArrayLike<number>,
  indices: readonly number[],
  options: EnsembleOptions,
): Promise<BuiltNetwork[]> {
  if (!Number.isInteger(settings.members) || settings.members < 1) throw new Error(`an ensemble needs a whole number of members, at least 1 (got ${settings.members})`);
  const nets: BuiltNetwork[] = [];
  try {
    for (let member = 0; member < settings.members; member++) {
      const seed = memberSeed(options.seed, member);
      const net = buildClassifier(settings, seed);
      nets.push(net);
      await trainClassifier(net, pixels, labels, indices, {
        ...settings,
        seed,
        workers: options.workers,
        onBatch: options.onBatch && ((done, total) => options.onBatch!(member * total + done, settings.members * total)),
        onEpoch: options.onEpoch && ((epoch) => options.onEpoch!(member, epoch, net)),
      });
    }
    return nets;
  } catch (error) {
    disposeEnsemble(nets);
    throw error;
  }
}

/** The mean of the members' softmax probabilities (each with its test-time views), count x 7 row-major. */
export function ensembleProbabilities(nets: readonly BuiltNetwork[], pixels: Uint8Array, indices: readonly number[], augmentation: TestAugmentation, batchSize = 256): Float32Array {
  const sum = new Float32Array(indices.length * NUM_EXPRESSIONS);
  for (const net of nets) {
    predictProbabilities(net, pixels, indices, batchSize, augmentation).forEach((p, k) => {
      sum[k]! += p;
    });
  }
  return sum.map((p) => p / nets.length);
}

export function disposeEnsemble(nets: readonly BuiltNetwork[]): void {
  for (const net of nets) disposeNetwork(net);
}
