import { featherWeight, type FeatheredEllipse } from './feather.js';
import { applySimilarity, boundsOf, invertSimilarity, type Similarity } from './similarity.js';
import { sampleBilinear, type Grid, type Raster } from './warp.js';

/** One face to put back: where it sits (photo -> face coordinates) and its luminance change in face coordinates. */
export interface FaceChange {
  toFace: Similarity;
  /** translated - original grey levels, `size` x `size`, row-major. */
  delta: Float32Array;
  size: number;
}

/**
 * The photo with each face's change warped back by the inverse alignment and blended through
 * the feathered mask. The change is added equally to every colour channel: that moves luma by
 * exactly the change and leaves both colour differences (Cb, Cr) alone, so a colour photo stays
 * in colour and only gets lighter or darker where the translator drew. Pixels outside every
 * mask are copied untouched.
 */
export function pasteChanges(photo: Raster, changes: readonly FaceChange[], mask: FeatheredEllipse): Raster {
  const out = new Uint8Array(photo.data);
  const colours = Math.min(photo.channels, 3);
  for (const change of changes) {
    const delta: Grid = { data: change.delta, width: change.size, height: change.size, channels: 1 };
    const ellipse = [
      { x: mask.cx - mask.rx, y: mask.cy - mask.ry },
      { x: mask.cx + mask.rx, y: mask.cy - mask.ry },
      { x: mask.cx - mask.rx, y: mask.cy + mask.ry },
      { x: mask.cx + mask.rx, y: mask.cy + mask.ry },
    ];
    const box = boundsOf(invertSimilarity(change.toFace), ellipse);
    const x0 = Math.max(0, Math.floor(box.x0));
    const y0 = Math.max(0, Math.floor(box.y0));
    const x1 = Math.min(photo.width, Math.ceil(box.x1));
    const y1 = Math.min(photo.height, Math.ceil(box.y1));
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const p = applySimilarity(change.toFace, { x: x + 0.5, y: y + 0.5 });
        const weight = featherWeight(mask, p.x, p.y);
        if (weight === 0) continue;
        const shift = weight * sampleBilinear(delta, p.x, p.y);
        const at = (y * photo.width + x) * photo.channels;
        for (let c = 0; c < colours; c++) {
          const value = Math.round(out[at + c]! + shift);
          out[at + c] = value < 0 ? 0 : value > 255 ? 255 : value;
        }
      }
    }
  }
  return { ...photo, data: out };
}

