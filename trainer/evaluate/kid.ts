import { seededRandom, shuffle } from '../../core/random.js';

/**
 * Kernel Inception Distance (Bińkowski et al. 2018): the unbiased estimate of the squared MMD
 * between two feature sets under the cubic polynomial kernel k(x, y) = (x.y / d + 1)^3, averaged
 * over random subsets. Unlike FID it is unbiased at small sample sizes, which is what a few
 * hundred held-out faces allow. Features are rows of length d.
 */
export interface KidOptions {
  subsets: number;
  /** Images drawn (without replacement) from each set per subset; capped at the smaller set. */
  subsetSize: number;
  seed: number;
}

export interface Kid {
  mean: number;
  /** Standard deviation over subsets (what torch-fidelity and torchmetrics report beside the mean). */
  std: number;
  subsets: number;
  subsetSize: number;
}

export function polynomialKernel(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let dot = 0;
  for (let i = 0; i < x.length; i++) dot += x[i]! * y[i]!;
  return (dot / x.length + 1) ** 3;
}

/** Unbiased MMD^2 of two equally sized samples: off-diagonal within-set means minus twice the cross mean. */
export function unbiasedMmd2(x: readonly ArrayLike<number>[], y: readonly ArrayLike<number>[]): number {
  const m = x.length;
  if (m < 2 || y.length !== m) throw new RangeError('unbiased MMD needs two samples of the same size >= 2');
  let within = 0;
  let cross = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      if (i !== j) within += polynomialKernel(x[i]!, x[j]!) + polynomialKernel(y[i]!, y[j]!);
      cross += polynomialKernel(x[i]!, y[j]!);
    }
  }
  return within / (m * (m - 1)) - (2 * cross) / (m * m);
}

export function kernelInceptionDistance(x: readonly ArrayLike<number>[], y: readonly ArrayLike<number>[], options: KidOptions): Kid {
  const size = Math.min(options.subsetSize, x.length, y.length);
  const random = seededRandom(options.seed);
  const values = Array.from({ length: options.subsets }, () => unbiasedMmd2(shuffle([...x], random).slice(0, size), shuffle([...y], random).slice(0, size)));
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / Math.max(1, values.length - 1);
  return { mean, std: Math.sqrt(variance), subsets: options.subsets, subsetSize: size };
}
