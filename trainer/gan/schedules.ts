/**
 * Learning rate of the reference CycleGAN: constant for `constantEpochs`, then linearly to zero
 * over `decayEpochs`. `epoch` counts from 0 and may be fractional.
 */
export function learningRateAt(base: number, epoch: number, constantEpochs: number, decayEpochs: number): number {
  if (epoch < constantEpochs || decayEpochs === 0) return base;
  return base * Math.max(0, 1 - (epoch - constantEpochs) / decayEpochs);
}

/** Instance-noise standard deviation (Sønderby et al. 2017): sigma0 decaying linearly to 0 over `epochs`. */
export function instanceNoiseAt(sigma0: number, epoch: number, epochs: number): number {
  if (epochs <= 0) return 0;
  return sigma0 * Math.max(0, 1 - epoch / epochs);
}

/**
 * Alternate training: from epoch `afterEpoch` on, the minority domain's discriminator is updated
 * only on every `every`-th generator step, so it cannot memorise its few real images.
 */
export function updatesMinorityDiscriminator(step: number, epoch: number, alternate: { afterEpoch: number; every: number } | null): boolean {
  if (!alternate || epoch < alternate.afterEpoch) return true;
  return step % alternate.every === 0;
}
