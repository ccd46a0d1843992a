import type { Point } from './similarity.js';

/** An interleaved image: `channels` values per pixel, rows top to bottom. */
export interface Grid {
  data: ArrayLike<number>;
  width: number;
  height: number;
  channels: number;
}

/** A {@link Grid} of 8-bit values: a decoded image. */
export interface Raster extends Grid {
  data: Uint8Array;
}

/**
 * Bilinear sample of channel `c` of `image` at continuous point (x, y) (pixel centres at
 * i + 0.5), edges repeated: a face at a photo's border gets its border's colour beyond it, the
 * least visible filler for a translator that has never seen black bars.
 */
export function sampleBilinear(image: Grid, x: number, y: number, c = 0): number {
  const fx = x - 0.5;
  const fy = y - 0.5;
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  const wx = fx - x0;
  const wy = fy - y0;
  const clampX = (v: number) => (v < 0 ? 0 : v >= image.width ? image.width - 1 : v);
  const clampY = (v: number) => (v < 0 ? 0 : v >= image.height ? image.height - 1 : v);
  const xa = clampX(x0);
  const xb = clampX(x0 + 1);
  const ya = clampY(y0);
  const yb = clampY(y0 + 1);
  const at = (px: number, py: number) => image.data[(py * image.width + px) * image.channels + c]!;
  const top = at(xa, ya) * (1 - wx) + at(xb, ya) * wx;
  const bottom = at(xa, yb) * (1 - wx) + at(xb, yb) * wx;
  return top * (1 - wy) + bottom * wy;
}

/**
 * A `width` x `height` single-channel image whose pixel (u, v) is `source` sampled where
 * `toSource` maps that pixel's centre. Bilinear: the caller shrinks a large source first, so
 * that the step between samples stays near one source pixel and nothing aliases.
 */
export function warpGrey(source: Raster, toSource: (p: Point) => Point, width: number, height: number): Uint8Array {
  if (source.channels !== 1) throw new RangeError(`warpGrey takes one channel, got ${source.channels}`);
  const out = new Uint8Array(width * height);
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      const p = toSource({ x: u + 0.5, y: v + 0.5 });
      out[v * width + u] = Math.round(sampleBilinear(source, p.x, p.y));
    }
  }
  return out;
}
