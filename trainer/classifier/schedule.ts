export const SCHEDULES = ['constant', 'cosine'] as const;
export type Schedule = (typeof SCHEDULES)[number];

/**
 * The learning rate of step `step` (0-based) of `total`: constant, or a linear warm-up over the
 * first 5% of the steps to `peak` and a cosine decay to zero after it.
 */
export function learningRateAt(schedule: Schedule, peak: number, step: number, total: number): number {
  if (schedule === 'constant') return peak;
  const warmup = Math.max(1, Math.round(0.05 * total));
  if (step < warmup) return (peak * (step + 1)) / warmup;
  const progress = (step - warmup) / Math.max(1, total - warmup);
  return 0.5 * peak * (1 + Math.cos(Math.PI * progress));
}
