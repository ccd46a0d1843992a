/** A point in continuous pixel coordinates: pixel (i, j) covers [i, i+1) x [j, j+1), its centre at (i + 0.5, j + 0.5). */
export interface Point {
  x: number;
  y: number;
}

/**
 * A similarity transform (rotation, uniform scale, translation; no reflection):
 * x' = a x - b y + tx, y' = b x + a y + ty. Scale is hypot(a, b), rotation atan2(b, a).
 */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

/**
 * The similarity that maps `from` onto `to` with the least squared error (the closed form of
 * Umeyama's method without reflection). Two points give the exact transform; more spread the
 * error, so one badly placed landmark cannot rotate the whole face.
 */
export function fitSimilarity(from: readonly Point[], to: readonly Point[]): Similarity {
  if (from.length !== to.length || from.length < 2) throw new RangeError(`a similarity needs at least two point pairs, got ${from.length} and ${to.length}`);
  const mean = (points: readonly Point[]) => ({
    x: points.reduce((sum, p) => sum + p.x, 0) / points.length,
    y: points.reduce((sum, p) => sum + p.y, 0) / points.length,
  });
  const mf = mean(from);
  const mt = mean(to);
  let dot = 0;
  let cross = 0;
  let norm = 0;
  for (let i = 0; i < from.length; i++) {
    const fx = from[i]!.x - mf.x;
    const fy = from[i]!.y - mf.y;
    const tx = to[i]!.x - mt.x;
    const ty = to[i]!.y - mt.y;
    dot += fx * tx + fy * ty;
    cross += fx * ty - fy * tx;
    norm += fx * fx + fy * fy;
  }
  if (norm === 0) throw new RangeError('the source points coincide');
  const a = dot / norm;
  const b = cross / norm;
  return { a, b, tx: mt.x - (a * mf.x - b * mf.y), ty: mt.y - (b * mf.x + a * mf.y) };
}

export function applySimilarity(t: Similarity, p: Point): Point {
  return { x: t.a * p.x - t.b * p.y + t.tx, y: t.b * p.x + t.a * p.y + t.ty };
}

export function invertSimilarity(t: Similarity): Similarity {
  const d = t.a * t.a + t.b * t.b;
  if (d === 0) throw new RangeError('a zero-scale similarity has no inverse');
  const a = t.a / d;
  const b = -t.b / d;
  return { a, b, tx: -(a * t.tx - b * t.ty), ty: -(b * t.tx + a * t.ty) };
}

export const scaleOf = (t: Similarity): number => Math.hypot(t.a, t.b);

/** Counter-clockwise in image coordinates (y down), radians. */
export const rotationOf = (t: Similarity): number => Math.atan2(t.b, t.a);

/** The axis-aligned box (x0, y0, x1, y1) around the images of `points` under `t`. */
export function boundsOf(t: Similarity, points: readonly Point[]): { x0: number; y0: number; x1: number; y1: number } {
  const mapped = points.map((p) => applySimilarity(t, p));
  return {
    x0: Math.min(...mapped.map((p) => p.x)),
    y0: Math.min(...mapped.map((p) => p.y)),
    x1: Math.max(...mapped.map((p) => p.x)),
    y1: Math.max(...mapped.map((p) => p.y)),
  };
}
