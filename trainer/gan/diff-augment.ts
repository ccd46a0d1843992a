import * as tf from '../tfjs/tf.js';

/**
 * DiffAugment (Zhao et al. 2020): differentiable augmentations applied to every image a
 * discriminator sees, real and fake, in its own step and in the generator's, so that a
 * discriminator trained on a few hundred faces cannot memorise them while the generator still
 * gets a gradient through the augmentation. The policies of the paper, for grey images in [-1, 1]:
 * - `color`: brightness + U(-0.5, 0.5), then contrast x U(0.5, 1.5) around each image's mean
 *   (the paper's saturation has no meaning for one channel);
 * - `translation`: a shift of up to 1/8 of the side in each direction, zero-filled;
 * - `cutout`: a square of half the side, at a random centre, set to zero.
 */
export const AUGMENT_POLICIES = ['color', 'translation', 'cutout'] as const;
export type AugmentPolicy = (typeof AUGMENT_POLICIES)[number];

const TRANSLATION_RATIO = 1 / 8;
const CUTOUT_RATIO = 1 / 2;

/** Each image's draws come from `random`, so a seeded step augments the same way when repeated. */
export function diffAugment(x: tf.Tensor4D, policies: readonly AugmentPolicy[], random: () => number): tf.Tensor4D {
  for (const policy of AUGMENT_POLICIES) {
    if (!policies.includes(policy)) continue;
    if (policy === 'color') x = randomColor(x, random);
    else if (policy === 'translation') x = randomTranslation(x, random);
    else x = randomCutout(x, random);
  }
  return x;
}

function perSample(n: number, draw: () => number): tf.Tensor4D {
  return tf.tensor4d(Array.from({ length: n }, draw), [n, 1, 1, 1]);
}

function randomColor(x: tf.Tensor4D, random: () => number): tf.Tensor4D {
  const n = x.shape[0];
  const brightened = tf.add(x, perSample(n, () => random() - 0.5));
  const mean = tf.mean(brightened, [1, 2, 3], true);
  return tf.add(tf.mul(tf.sub(brightened, mean), perSample(n, () => random() + 0.5)), mean) as tf.Tensor4D;
}

/** An integer in [-max, max], uniform. */
const shift = (max: number, random: () => number) => Math.min(max, Math.floor(random() * (2 * max + 1)) - max);

function randomTranslation(x: tf.Tensor4D, random: () => number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const sh = Math.round(h * TRANSLATION_RATIO);
  const sw = Math.round(w * TRANSLATION_RATIO);
  const padded = tf.pad(x, [[0, 0], [sh, sh], [sw, sw], [0, 0]]);
  // Output pixel (i, j) of an image shifted by (dy, dx) is input pixel (i - dy, j - dx).
  const images = Array.from({ length: n }, (_, i) => {
    const dy = shift(sh, random);
    const dx = shift(sw, random);
    return tf.slice(padded, [i, sh - dy, sw - dx, 0], [1, h, w, c]);
  });
  return tf.concat(images, 0);
}

function randomCutout(x: tf.Tensor4D, random: () => number): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const size = [Math.round(h * CUTOUT_RATIO), Math.round(w * CUTOUT_RATIO)] as const;
  const mask = new Float32Array(n * h * w).fill(1);
  for (let i = 0; i < n; i++) {
    const cy = Math.floor(random() * h);
    const cx = Math.floor(random() * w);
    const top = Math.max(0, cy - Math.floor(size[0] / 2));
    const left = Math.max(0, cx - Math.floor(size[1] / 2));
    const bottom = Math.min(h, cy + Math.ceil(size[0] / 2));
    const right = Math.min(w, cx + Math.ceil(size[1] / 2));
    for (let r = top; r < bottom; r++) mask.fill(0, (i * h + r) * w + left, (i * h + r) * w + right);
  }
  return tf.mul(x, tf.tensor4d(mask, [n, h, w, 1])) as tf.Tensor4D;
}
