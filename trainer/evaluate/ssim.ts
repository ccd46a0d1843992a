/**
 * Structural similarity (Wang et al. 2004) of two grey images of one size: the mean over every
 * 11x11 window that fits inside the image of SSIM with Gaussian weights (sigma 1.5), K1 = 0.01,
 * K2 = 0.03 and population (not sample) statistics, as the paper defines it. Windows stop 5
 * pixels short of the borders, so no padding rule enters the figure (scikit-image computes
 * `structural_similarity(a, b, gaussian_weights=True, use_sample_covariance=False)` the same way).
 */
const SIGMA = 1.5;
const RADIUS = 5;
const K1 = 0.01;
const K2 = 0.03;

const WEIGHTS = (() => {
  const w = Array.from({ length: 2 * RADIUS + 1 }, (_, i) => Math.exp(-((i - RADIUS) ** 2) / (2 * SIGMA * SIGMA)));
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / total);
})();

/** Gaussian-weighted window means of `values` (side x side), one per window centre that fits. */
function windowMeans(values: Float64Array, side: number): Float64Array {
  const out = side - 2 * RADIUS;
  const rows = new Float64Array(out * side);
  for (let r = 0; r < out; r++) {
    for (let c = 0; c < side; c++) {
      let sum = 0;
      for (let k = 0; k < WEIGHTS.length; k++) sum += WEIGHTS[k]! * values[(r + k) * side + c]!;
      rows[r * side + c] = sum;
    }
  }
  const means = new Float64Array(out * out);
  for (let r = 0; r < out; r++) {
    for (let c = 0; c < out; c++) {
      let sum = 0;
      for (let k = 0; k < WEIGHTS.length; k++) sum += WEIGHTS[k]! * rows[r * side + c + k]!;
      means[r * out + c] = sum;
    }
  }
  return means;
}

/** Mean SSIM of `a` and `b`, each side x side pixels in [0, range]. */
export function ssim(a: ArrayLike<number>, b: ArrayLike<number>, side: number, range = 255): number {
  if (a.length !== side * side || b.length !== side * side) throw new RangeError(`ssim needs two ${side}x${side} images`);
  if (side <= 2 * RADIUS) throw new RangeError(`ssim needs images larger than ${2 * RADIUS + 1}x${2 * RADIUS + 1}`);
  const x = Float64Array.from(a);
  const y = Float64Array.from(b);
  const [mx, my] = [windowMeans(x, side), windowMeans(y, side)];
  const [mxx, myy, mxy] = [windowMeans(x.map((v) => v * v), side), windowMeans(y.map((v) => v * v), side), windowMeans(x.map((v, i) => v * y[i]!), side)];
  const c1 = (K1 * range) ** 2;
  const c2 = (K2 * range) ** 2;
  let total = 0;
  for (let i = 0; i < mx.length; i++) {
    const [ux, uy] = [mx[i]!, my[i]!];
    const vx = mxx[i]! - ux * ux;
    const vy = myy[i]! - uy * uy;
    const cov = mxy[i]! - ux * uy;
    total += ((2 * ux * uy + c1) * (2 * cov + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
  }
  return total / mx.length;
}
