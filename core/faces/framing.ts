import type { Anchors } from './anchors.js';
import type { FeatheredEllipse } from './feather.js';

/**
 * Where FER2013's faces have their eyes and mouth, in 48x48 face coordinates (pixel centres at
 * i + 0.5): the medians that `npx tsx bench/fer-framing.ts --count 400 --stride 89` printed, from
 * face-api's landmarks on every 89th FER2013 face upscaled x4 (191 of 363 faces detected;
 * interquartile ranges 1-2 px on each coordinate). FER2013 itself is not in this repository.
 */
export const FER2013_ANCHORS: Anchors = {
  leftEye: { x: 14.88, y: 18.48 },
  rightEye: { x: 32.77, y: 18.29 },
  mouth: { x: 24.18, y: 37.99 },
};

/**
 * The part of an aligned face that paste mode puts back into the photo: an ellipse from the brows
 * to the chin and cheek to cheek, in the same coordinates. Outside it the translator draws
 * background and hair, which must not land on the photo.
 */
export const PASTE_MASK: FeatheredEllipse = { cx: 24, cy: 27, rx: 17, ry: 20, feather: 0.3 };
