import { seededRandom } from '../../core/random.js';

/**
 * Deterministic weight initialisation, independent of backend: N(0, 0.02) for weights as in the
 * reference CycleGAN (or Glorot-uniform), drawn from a generator seeded by (seed, parameter name), so replicas on
 * different threads and reruns start from identical weights.
 */
function hashName(name: string, seed: number): number {
  let h = (2166136261 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619) >>> 0;
  return h;
}

export function seededNormal(count: number, std: number, seed: number, name: string): Float32Array {
  const random = seededRandom(hashName(name, seed));
  // Box-Muller needs uniforms in (0, 1]: log(0) would be infinite.
  const next = () => 1 - random();
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    // Box-Muller: two normals per pair of uniforms.
    const r = Math.sqrt(-2 * Math.log(next()));
    const theta = 2 * Math.PI * next();
    out[i] = std * r * Math.cos(theta);
    if (i + 1 < count) out[i + 1] = std * r * Math.sin(theta);
  }
  return out;
}

/** Glorot-uniform: U(-l, l) with l = sqrt(6 / (fanIn + fanOut)), seeded by (seed, parameter name). */
export function seededGlorotUniform(count: number, fanIn: number, fanOut: number, seed: number, name: string): Float32Array {
  const random = seededRandom(hashName(name, seed));
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return Float32Array.from({ length: count }, () => (2 * random() - 1) * limit);
}
