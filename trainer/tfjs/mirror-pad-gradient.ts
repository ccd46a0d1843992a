import * as tf from './tf.js';
import { MIRROR_PAD_GRAD } from './kernels/custom-kernel-names.js';

export type MirrorMode = 'reflect' | 'symmetric';

/** Source index of padded position `i` along an axis of length `size` padded by `before`. */
export function mirrorSource(i: number, before: number, size: number, mode: MirrorMode): number {
  const j = i - before;
  const offset = mode === 'reflect' ? 0 : 1;
  if (j < 0) return -j - offset;
  if (j >= size) return 2 * size - 2 - j + offset;
  return j;
}

/** The fold as tfjs ops, for backends without faceaug's one-pass kernel. */
function foldWithOps(dy: tf.Tensor, paddings: Array<[number, number]>, mode: MirrorMode): tf.Tensor {
  const offset = mode === 'reflect' ? 1 : 0;
  return paddings.reduce((acc, [before, after], axis) => {
    if (before === 0 && after === 0) return acc;
    const size = acc.shape[axis]! - before - after;
    const sliceAlong = (begin: number, length: number) => {
      const start = acc.shape.map(() => 0);
      const extent = acc.shape.slice();
      start[axis] = begin;
      extent[axis] = length;
      return tf.slice(acc, start, extent);
    };
    const padAlong = (t: tf.Tensor, lo: number, hi: number) =>
      tf.pad(t, t.shape.map((_, i) => (i === axis ? [lo, hi] : [0, 0])) as Array<[number, number]>);
    let folded = sliceAlong(before, size);
    if (before > 0) folded = tf.add(folded, padAlong(tf.reverse(sliceAlong(0, before), axis), offset, size - before - offset));
    if (after > 0) folded = tf.add(folded, padAlong(tf.reverse(sliceAlong(before + size, after), axis), size - after - offset, offset));
    return folded;
  }, dy);
}

/**
 * tfjs's MirrorPad gradient only slices the centre out of dy, dropping the gradient that flows
 * through the mirrored border. CycleGAN generators reflect-pad every convolution, so the correct
 * adjoint matters: each mirrored element's gradient is added onto the element it copies.
 */
export function registerMirrorPadGradient(): void {
  tf.registerGradient({
    kernelName: tf.MirrorPad,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const { paddings, mode } = attrs as unknown as { paddings: Array<[number, number]>; mode: MirrorMode };
      const x = saved[0]!;
      const onlySpatial = x.rank === 4 && paddings[0]!.every((p) => p === 0) && paddings[3]!.every((p) => p === 0);
      return {
        x: () =>
          onlySpatial && tf.getKernel(MIRROR_PAD_GRAD, tf.getBackend())
            ? (tf.engine().runKernel(MIRROR_PAD_GRAD, { dy: dy as tf.Tensor }, { xShape: x.shape, paddings, mode } as unknown as tf.NamedAttrMap) as tf.Tensor)
            : foldWithOps(dy as tf.Tensor, paddings, mode),
      };
    },
  });
}
