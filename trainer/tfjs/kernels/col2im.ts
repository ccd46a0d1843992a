import type { ConvGeometry } from './conv-geometry.js';

/**
 * Folds a patch matrix back onto the input: the adjoint of im2col. A patch matrix has one row per
 * output position p = (n, oh, ow) and one column per filter tap and input channel (kh, kw, ci), so
 * `dy @ filter^T` is the input gradient in patch form. Rows [rowStart, rowEnd) let callers work in
 * bounded-memory chunks; taps that fall into the padding are dropped.
 */
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
