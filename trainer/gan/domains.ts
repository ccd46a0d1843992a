import { FACE_PIXELS, toUnitRange } from '../../core/image-codec.js';
import { expressionLabel, type Expression } from '../../core/expressions.js';
import { usageIndex, type Usage } from '../data/format.js';
import { imageAt, type Dataset } from '../data/dataset-store.js';
import { seededRandom, shuffle } from '../../core/random.js';

/** The images of one expression that a run trains on, in [-1, 1], with their data-set indices. */
export interface DomainImages {
  expression: Expression;
  count: number;
  indices: number[];
  images: Float32Array;
}

/** Rows of `expression` in the given Usage split, restricted to `kept` (a filtered version) when given. */
export function domainImages(dataset: Dataset, kept: readonly number[] | null, expression: Expression, usage: Usage): DomainImages {
  const label = expressionLabel(expression);
  const split = usageIndex(usage);
  const candidates = kept ?? Array.from({ length: dataset.labels.length }, (_, i) => i);
  const indices = candidates.filter((i) => dataset.labels[i] === label && dataset.usage[i] === split);
  const images = new Float32Array(indices.length * FACE_PIXELS);
  indices.forEach((index, n) => toUnitRange(imageAt(dataset, index), images, n * FACE_PIXELS));
  return { expression, count: indices.length, indices, images };
}

/** Hashes integers into a 32-bit seed, so every (run seed, epoch, domain, cycle) gets its own stream. */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x01000193) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  }
  return h;
}

/**
 * Image positions for one step: a fresh permutation of each domain per pass over it, seeded by
 * (seed, epoch, domain, pass), so any step can be recomputed from its number alone: a resumed run
 * sees exactly the batches the interrupted one would have.
 */
export function batchPositions(count: number, batch: number, step: number, epoch: number, seed: number, domain: number): number[] {
  const positions: number[] = [];
  let cachedPass = -1;
  let order: number[] = [];
  for (let i = 0; i < batch; i++) {
    const flat = step * batch + i;
    const pass = Math.floor(flat / count);
    if (pass !== cachedPass) {
      order = shuffle(Array.from({ length: count }, (_, k) => k), seededRandom(mixSeed(seed, epoch, domain, pass)));
      cachedPass = pass;
    }
    positions.push(order[flat % count]!);
  }
  return positions;
}

/** Copies the images at `positions` into one NHWC batch. */
export function gatherImages(domain: DomainImages, positions: readonly number[]): Float32Array {
  const out = new Float32Array(positions.length * FACE_PIXELS);
  positions.forEach((p, n) => out.set(domain.images.subarray(p * FACE_PIXELS, (p + 1) * FACE_PIXELS), n * FACE_PIXELS));
  return out;
}

/**
 * A fixed, seeded pick of `count` faces of `expression` that training never sees (PublicTest rows,
 * or training rows when a data set has too few), for sample grids and shipped-model pictures.
 */
export function showcaseFaces(dataset: Dataset, kept: readonly number[] | null, expression: Expression, count: number, seed: number): Float32Array {
  const held = domainImages(dataset, null, expression, 'PublicTest');
  const pool = held.count >= count ? held : domainImages(dataset, kept, expression, 'Training');
  const picks = shuffle(Array.from({ length: pool.count }, (_, i) => i), seededRandom(seed)).slice(0, count);
  return gatherImages(pool, picks);
}
