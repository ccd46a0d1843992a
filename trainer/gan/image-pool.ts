/**
 * The history buffer of Shrivastava et al. (2017) as used by CycleGAN: discriminators see a mix
 * of the newest fakes and older ones, which damps oscillation. Until the pool is full every fake
 * is stored and passed through; afterwards each fake, with probability 1/2, is swapped for a
 * random stored one (which it replaces). Images are flat Float32Arrays; state is plain data so
 * checkpoints can carry it.
 */
export interface ImagePoolState {
  capacity: number;
  images: Float32Array[];
}

export function emptyPool(capacity: number): ImagePoolState {
  return { capacity, images: [] };
}

/** Returns the images the discriminator should see instead of `fakes`; updates `pool` in place. */
export function queryPool(pool: ImagePoolState, fakes: Float32Array[], random: () => number): Float32Array[] {
  if (pool.capacity === 0) return fakes;
  return fakes.map((image) => {
    if (pool.images.length < pool.capacity) {
      pool.images.push(image.slice());
      return image;
    }
    if (random() < 0.5) return image;
    const index = Math.floor(random() * pool.capacity);
    const stored = pool.images[index]!;
    pool.images[index] = image.slice();
    return stored;
  });
}
