import { FACE_PIXELS } from '../core/image-codec.js';

/** Deterministic stand-in faces in [-1, 1) for timing (speed does not depend on pixel values). */
export function seededImages(count: number, seed: number): Float32Array {
  const out = new Float32Array(count * FACE_PIXELS);
  let state = (seed * 2654435761) >>> 0;
  for (let i = 0; i < out.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}
