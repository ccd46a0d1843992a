/** An ellipse in face coordinates with a soft edge: `feather` is the fraction of each radius over which the weight falls from 1 to 0. */
export interface FeatheredEllipse {
  cx: number;
  cy: number;
  rx: number;
  ry: number;
  feather: number;
}

/**
 * How much of a translated face shows at face point (u, v): 1 inside the ellipse's core, 0
 * outside the ellipse, a smoothstep between, so a pasted face has no visible seam and the
 * translator's frame edges (background, hair) never reach the photo.
 */
export function featherWeight(mask: FeatheredEllipse, u: number, v: number): number {
  const r = Math.hypot((u - mask.cx) / mask.rx, (v - mask.cy) / mask.ry);
  const inner = 1 - mask.feather;
  if (r <= inner) return 1;
  if (r >= 1) return 0;
  const t = (1 - r) / mask.feather;
  return t * t * (3 - 2 * t);
}
