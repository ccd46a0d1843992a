import * as tf from './tf.js';
import { tensorsInHostMemory } from './host-memory.js';

type Mode = 'reflect' | 'symmetric';

/** Source index of padded position `i` along an axis of length `size` padded by `before`. */
export function mirrorSource(i: number, before: number, size: number, mode: Mode): number {
  const j = i - before;
  const offset = mode === 'reflect' ? 0 : 1;
  if (j < 0) return -j - offset;
  if (j >= size) return 2 * size - 2 - j + offset;
  return j;
}

/** One pass over dy, adding each padded element onto the element it mirrors (4-D NHWC, padded on H and W). */
function foldNHWC(dy: tf.Tensor4D, xShape: number[], paddings: Array<[number, number]>, mode: Mode): tf.Tensor {
  const [N, H, W, C] = xShape as [number, number, number, number];
  const [, PH, PW] = dy.shape;
  const src = dy.dataSync() as Float32Array;
  const dx = new Float32Array(N * H * W * C);
  const rows = Array.from({ length: PH }, (_, y) => mirrorSource(y, paddings[1]![0], H, mode));
  const cols = Array.from({ length: PW }, (_, x) => mirrorSource(x, paddings[2]![0], W, mode));
  for (let n = 0; n < N; n++) {
    for (let y = 0; y < PH; y++) {
      for (let x = 0; x < PW; x++) {
        const from = ((n * PH + y) * PW + x) * C;
        const to = ((n * H + rows[y]!) * W + cols[x]!) * C;
        for (let c = 0; c < C; c++) dx[to + c] += src[from + c]!;
      }
    }
  }
  return tf.tensor(dx, xShape, 'float32');
}

/** The same fold as tfjs ops, for backends whose memory is not ours to loop over. */
function foldWithOps(dy: tf.Tensor, paddings: Array<[number, number]>, mode: Mode): tf.Tensor {
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
      const { paddings, mode } = attrs as unknown as { paddings: Array<[number, number]>; mode: Mode };
      const x = saved[0]!;
      const onlySpatial = x.rank === 4 && paddings[0]!.every((p) => p === 0) && paddings[3]!.every((p) => p === 0);
      return {
        x: () =>
          onlySpatial && tensorsInHostMemory()
            ? foldNHWC(dy as tf.Tensor4D, x.shape, paddings, mode)
            : foldWithOps(dy as tf.Tensor, paddings, mode),
      };
    },
  });
}
