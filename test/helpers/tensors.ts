import * as tf from '../../trainer/tfjs/tf.js';
import assert from 'node:assert/strict';
import { seededRandom } from '../../core/random.js';

/** Seeded uniform values in [-1, 1), so failures reproduce. */
export function seededValues(count: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: count }, () => 2 * random() - 1);
}

/** max |actual - expected| relative to max |expected|: the scale-aware error used for kernel checks. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length, 'length mismatch');
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual[i]! - expected[i]!));
    maxRef = Math.max(maxRef, Math.abs(expected[i]!));
  }
  return maxRef === 0 ? maxDiff : maxDiff / maxRef;
}

/** Runs `body` and fails if it leaves tensors behind. */
export async function assertNoLeak<T>(body: () => T | Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await body();
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
  return result;
}
