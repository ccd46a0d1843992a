/** What one evaluation of a checkpoint measured (see evaluate-run.ts). */
export interface CheckpointQuality {
  step: number;
  /** Share of translations the judge classifies as the target expression. */
  targetRate: number;
  /** Share of real held-out target faces the same judge classifies as the target (its ceiling). */
  ceiling: number;
  /** Mean SSIM of each translation to its input. */
  ssim: number;
  /** KID between translations and real target faces (lower is more realistic). */
  kid: number;
}

export interface SelectionRule {
  /** Translations must keep the face: checkpoints below this mean SSIM are passed over. */
  minSsim: number;
  /** A checkpoint carries the expression once the judge reads this share of its ceiling as the target. */
  expressive: number;
}

export const DEFAULT_SELECTION: SelectionRule = { minSsim: 0.6, expressive: 0.8 };

/**
 * The checkpoint to ship. Among those that keep the face (mean SSIM >= rule.minSsim), the ones
 * that carry the expression (target rate >= rule.expressive x the judge's ceiling) compete on
 * realism alone: the lowest KID wins, because beyond that share a higher rate buys the user
 * nothing while GAN checkpoints still differ in how real their faces look. Until one carries it,
 * the one the judge most often reads as the target wins, ties (within one translation in 200)
 * going to the lower KID. If none keeps the face, the one that comes closest (highest SSIM): a
 * translator that changes identity is no augmentation. The last checkpoint is not preferred as
 * such: GAN training oscillates, and later is not reliably better.
 */
export function selectCheckpoint(candidates: readonly CheckpointQuality[], rule: SelectionRule = DEFAULT_SELECTION): CheckpointQuality {
  if (candidates.length === 0) throw new RangeError('no checkpoint has been evaluated');
  const faithful = candidates.filter((c) => c.ssim >= rule.minSsim);
  if (faithful.length === 0) return candidates.reduce((best, c) => (c.ssim > best.ssim ? c : best));
  const expressive = faithful.filter((c) => c.targetRate >= rule.expressive * c.ceiling);
  if (expressive.length > 0) return expressive.reduce((best, c) => (c.kid < best.kid ? c : best));
  return faithful.reduce((best, c) => {
    const gain = c.targetRate - best.targetRate;
    if (Math.abs(gain) > 1 / 200) return gain > 0 ? c : best;
    return c.kid < best.kid ? c : best;
  });
}
