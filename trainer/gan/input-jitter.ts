import { FACE_PIXELS, FACE_SIZE } from '../../core/image-codec.js';
import { sampleBilinear } from '../../core/faces/warp.js';

/**
 * A random similarity per real training face, drawn afresh every step: the reference CycleGAN's
 * crop-and-flip jitter, with a turn and a zoom. FER2013's faces sit within a pixel or two of one
 * framing, so without it a generator can learn to paint an expression at fixed positions (eyes
 * and mouth where FER2013 keeps them) instead of where a face's own features are.
 */
export interface InputJitter {
  /** Largest move in pixels, in each direction (uniform, continuous). */
  shift: number;
  /** Largest turn in degrees, either way. */
  degrees: number;
  /** Largest relative change of size, either way (0.1: 90% to 110%). */
  scale: number;
}

/** A part of the seed of jitter draws that tells them apart from other draws from the same seed. */
export const JITTER_STREAM = 0x6a17;

/** `shift,degrees,scale` as the `--jitter` flag takes it, or `none`. */
export function parseJitter(raw: string): InputJitter | null {
  if (raw === 'none') return null;
  const parts = raw.split(',').map((v) => Number(v.trim()));
  const [shift, degrees, scale] = parts;
  if (parts.length !== 3 || parts.some((v) => !Number.isFinite(v) || v < 0) || scale! >= 1) {
    throw new Error(`invalid jitter '${raw}' (expected shift,degrees,scale with each >= 0 and scale < 1, e.g. 3,10,0.1, or none)`);
  }
  return { shift: shift!, degrees: degrees!, scale: scale! };
}

/**
 * `count` 48x48 faces (one channel, any value range), each mirrored half the time, then turned,
 * zoomed and moved about the crop's centre as drawn from `random`; sampled bilinearly with the
 * edge repeated, as the face pipeline crops photos.
 */
export function jitterFaces(images: Float32Array, count: number, jitter: InputJitter, random: () => number): Float32Array {
  if (images.length !== count * FACE_PIXELS) throw new RangeError(`${count} faces are ${count * FACE_PIXELS} values, got ${images.length}`);
  const out = new Float32Array(images.length);
  const centre = FACE_SIZE / 2;
  const between = (limit: number) => (2 * random() - 1) * limit;
  for (let n = 0; n < count; n++) {
    const face = { data: images.subarray(n * FACE_PIXELS, (n + 1) * FACE_PIXELS), width: FACE_SIZE, height: FACE_SIZE, channels: 1 };
    const mirror = random() < 0.5;
    const angle = (between(jitter.degrees) * Math.PI) / 180;
    const zoom = 1 + between(jitter.scale);
    const dx = between(jitter.shift);
    const dy = between(jitter.shift);
    // Output pixel p shows the source at centre + R(-angle) (p - centre - d) / zoom, mirrored.
    const cos = Math.cos(angle) / zoom;
    const sin = Math.sin(angle) / zoom;
    for (let v = 0; v < FACE_SIZE; v++) {
      for (let u = 0; u < FACE_SIZE; u++) {
        const px = u + 0.5 - centre - dx;
        const py = v + 0.5 - centre - dy;
        const sx = centre + cos * px + sin * py;
        const sy = centre - sin * px + cos * py;
        out[n * FACE_PIXELS + v * FACE_SIZE + u] = sampleBilinear(face, mirror ? FACE_SIZE - sx : sx, sy);
      }
    }
  }
  return out;
}
