/** Label-preserving image changes for classifier training: a face mirrored or moved a little is the same expression. */
export interface Augmentation {
  /** Mirror left-right with probability 1/2. */
  flip: boolean;
  /** Move by up to this many pixels in each direction (uniform integers), repeating the border. */
  shift: number;
}

/** One placement of a face: mirrored left-right or not, then moved by (dx, dy) whole pixels. */
export interface Placement {
  mirror: boolean;
  dx: number;
  dy: number;
}

/**
 * Writes `image` (side x side values) into `out` divided by `divisor`, placed as `placement` says; the
 * border repeats into the pixels a move uncovers. What training's augmentation draws at random and
 * test-time views ask for by name.
 */
export function placeInto(image: ArrayLike<number>, out: Float32Array, side: number, { mirror, dx, dy }: Placement, divisor = 1): void {
  const clamp = (v: number) => (v < 0 ? 0 : v >= side ? side - 1 : v);
  for (let y = 0; y < side; y++) {
    const row = clamp(y - dy) * side;
    for (let x = 0; x < side; x++) {
      const column = clamp(x - dx);
      out[y * side + x] = image[row + (mirror ? side - 1 - column : column)]! / divisor;
    }
  }
}

/** Writes `image` (side x side bytes) into `out` as floats in [0, 1], mirrored and shifted as drawn from `random`. */
export function augmentInto(image: Uint8Array, out: Float32Array, side: number, augment: Augmentation, random: () => number): void {
  const mirror = augment.flip && random() < 0.5;
  const draw = () => (augment.shift > 0 ? Math.floor(random() * (2 * augment.shift + 1)) - augment.shift : 0);
  const dy = draw();
  const dx = draw();
  placeInto(image, out, side, { mirror, dx, dy }, 255);
}
