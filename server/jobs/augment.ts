import { createHash } from 'node:crypto';
import { FACE_SIZE } from '../../core/image-codec.js';
import { seededRandom } from '../../core/random.js';

/**
 * The seed of one job item, derived from the job's seed, the input's content, the target and the
 * copy: the same image submitted with the same seed gives byte-identical outputs, whichever job,
 * position or worker it lands in.
 */
export function itemSeed(jobSeed: number, inputSha256: string, target: string, copy: number): number {
  return createHash('sha256').update(`${jobSeed}/${inputSha256}/${target}/${copy}`).digest().readUInt32LE(0);
}

/**
 * A copy's input variation: a CycleGAN generator is deterministic, so copies of one face differ
 * only by what goes in. Copy 0 is the face as uploaded; later copies get a seeded mirror, a shift
 * of up to 2 pixels (edges repeated) and a mild contrast and brightness change, all within what
 * the training data itself varies by.
 */
export function varyInput(pixels: Uint8Array, copy: number, seed: number): Uint8Array {
  if (copy === 0) return pixels;
  const random = seededRandom(seed);
  const mirror = random() < 0.5;
  const dx = Math.floor(random() * 5) - 2;
  const dy = Math.floor(random() * 5) - 2;
  const contrast = 0.9 + random() * 0.2;
  const brightness = (random() - 0.5) * 16;
  const clamp = (v: number, hi: number) => (v < 0 ? 0 : v > hi ? hi : v);
  const out = new Uint8Array(pixels.length);
  for (let y = 0; y < FACE_SIZE; y++) {
    const sy = clamp(y - dy, FACE_SIZE - 1);
    for (let x = 0; x < FACE_SIZE; x++) {
      const shifted = clamp(x - dx, FACE_SIZE - 1);
      const sx = mirror ? FACE_SIZE - 1 - shifted : shifted;
      const grey = (pixels[sy * FACE_SIZE + sx]! - 128) * contrast + 128 + brightness;
      out[y * FACE_SIZE + x] = clamp(Math.round(grey), 255);
    }
  }
  return out;
}
