import type { ConvGeometry } from './conv-geometry.js';

/**
 * Patch matrices for expressing convolution gradients as matrix products.
 *
 * A patch matrix has one row per output position p = (n, oh, ow) and one column per filter tap
 * and input channel, (kh, kw, ci) in the filter's own [KH, KW, CI] order, so that
 * `patches @ filter.reshape([KH*KW*CI, CO])` is the forward convolution. Rows [rowStart, rowEnd)
 * let callers work in bounded-memory chunks. Positions that fall into the padding are zero.
 */
export function im2col(x: Float32Array, g: ConvGeometry, rowStart: number, rowEnd: number, out: Float32Array): void {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = g;
  const rowLength = g.filterHeight * g.filterWidth * C;
  for (let p = rowStart; p < rowEnd; p++) {
    const ow = p % OW;
    const oh = ((p - ow) / OW) % OH;
    const n = Math.floor(p / (OH * OW));
    const rowBase = (p - rowStart) * rowLength;
    for (let kh = 0; kh < g.filterHeight; kh++) {
      const ih = oh * g.strideHeight - g.padTop + kh;
      for (let kw = 0; kw < g.filterWidth; kw++) {
        const iw = ow * g.strideWidth - g.padLeft + kw;
        const dst = rowBase + (kh * g.filterWidth + kw) * C;
        if (ih < 0 || ih >= H || iw < 0 || iw >= W) {
          out.fill(0, dst, dst + C);
        } else {
          const src = ((n * H + ih) * W + iw) * C;
          out.set(x.subarray(src, src + C), dst);
        }
      }
    }
  }
}

/** The adjoint of {@link im2col}: adds every patch-matrix entry back onto the input position it came from. */
export function col2imAdd(cols: Float32Array, g: ConvGeometry, rowStart: number, rowEnd: number, dx: Float32Array): void {
  const { inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = g;
  const rowLength = g.filterHeight * g.filterWidth * C;
  for (let p = rowStart; p < rowEnd; p++) {
    const ow = p % OW;
    const oh = ((p - ow) / OW) % OH;
    const n = Math.floor(p / (OH * OW));
    const rowBase = (p - rowStart) * rowLength;
    for (let kh = 0; kh < g.filterHeight; kh++) {
      const ih = oh * g.strideHeight - g.padTop + kh;
      if (ih < 0 || ih >= H) continue;
      for (let kw = 0; kw < g.filterWidth; kw++) {
        const iw = ow * g.strideWidth - g.padLeft + kw;
        if (iw < 0 || iw >= W) continue;
        const src = rowBase + (kh * g.filterWidth + kw) * C;
        const dst = ((n * H + ih) * W + iw) * C;
        for (let c = 0; c < C; c++) dx[dst + c] += cols[src + c];
      }
    }
  }
}

/** Row-major [rows, cols] -> [cols, rows]. */
export function transpose2d(src: Float32Array, rows: number, cols: number, out: Float32Array): void {
  const block = 32;
  for (let r0 = 0; r0 < rows; r0 += block) {
    const r1 = Math.min(r0 + block, rows);
    for (let c0 = 0; c0 < cols; c0 += block) {
      const c1 = Math.min(c0 + block, cols);
      for (let r = r0; r < r1; r++) {
        for (let c = c0; c < c1; c++) out[c * rows + r] = src[r * cols + c];
      }
    }
  }
}
