import * as tf from './tf.js';

/**
 * tfjs's MirrorPad gradient only slices the centre out of dy, dropping the gradient that flows
 * through the mirrored border. CycleGAN generators reflect-pad every convolution, so the correct
 * adjoint matters: fold each mirrored strip back onto the rows (or columns) it was copied from.
 */
function foldAxis(dy: tf.Tensor, axis: number, before: number, after: number, mode: 'reflect' | 'symmetric'): tf.Tensor {
  if (before === 0 && after === 0) return dy;
  const size = dy.shape[axis]! - before - after;
  const offset = mode === 'reflect' ? 1 : 0;
  const sliceAlong = (begin: number, length: number) => {
    const start = dy.shape.map(() => 0);
    const extent = dy.shape.slice();
    start[axis] = begin;
    extent[axis] = length;
    return tf.slice(dy, start, extent);
  };
  const padAlong = (x: tf.Tensor, lo: number, hi: number) =>
    tf.pad(x, x.shape.map((_, i) => (i === axis ? [lo, hi] : [0, 0])) as Array<[number, number]>);

  let folded = sliceAlong(before, size);
  if (before > 0) {
    // Padded row before - k (k = 1..before) mirrors source row k - 1 + offset.
    const strip = tf.reverse(sliceAlong(0, before), axis);
    folded = tf.add(folded, padAlong(strip, offset, size - before - offset));
  }
  if (after > 0) {
    // Padded row before + size - 1 + k mirrors source row size - k - offset.
    const strip = tf.reverse(sliceAlong(before + size, after), axis);
    folded = tf.add(folded, padAlong(strip, size - after - offset, offset));
  }
  return folded;
}

export function registerMirrorPadGradient(): void {
  tf.registerGradient({
    kernelName: tf.MirrorPad,
    inputsToSave: ['x'],
    gradFunc: (dy, _saved, attrs) => {
      const { paddings, mode } = attrs as unknown as { paddings: Array<[number, number]>; mode: 'reflect' | 'symmetric' };
      return {
        x: () => paddings.reduce((acc, [lo, hi], axis) => foldAxis(acc, axis, lo, hi, mode), dy as tf.Tensor),
      };
    },
  });
}
