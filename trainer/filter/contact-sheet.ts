import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { FACE_SIZE, FACE_PIXELS } from '../../core/image-codec.js';
import { EXPRESSIONS } from '../../core/expressions.js';

const COLUMNS = 12;
const GAP = 2;
const BAND = 12;

/** Tiles images into a grey raster, row-major, `COLUMNS` wide, with a light gap around each. */
function tile(pixels: Uint8Array, indices: readonly number[], width: number, raster: Uint8Array, top: number): number {
  const rows = Math.ceil(indices.length / COLUMNS);
  indices.forEach((index, n) => {
    const x0 = GAP + (n % COLUMNS) * (FACE_SIZE + GAP);
    const y0 = top + GAP + Math.floor(n / COLUMNS) * (FACE_SIZE + GAP);
    for (let y = 0; y < FACE_SIZE; y++) {
      const from = index * FACE_PIXELS + y * FACE_SIZE;
      raster.set(pixels.subarray(from, from + FACE_SIZE), (y0 + y) * width + x0);
    }
  });
  return GAP + rows * (FACE_SIZE + GAP);
}

export interface SheetInput {
  pixels: Uint8Array;
  labels: ArrayLike<number>;
  /** Data set indices that were scored, and their scores (higher is better). */
  scored: readonly number[];
  scores: ArrayLike<number>;
}

/**
 * Writes `<dir>/<class>.png` per class: above a black band the lowest-scored images (lowest
 * first: what a filter removes first), below it the highest-scored (highest first).
 */
export async function writeContactSheets(dir: string, input: SheetInput, perPanel = 48): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [label, name] of EXPRESSIONS.entries()) {
    const positions = input.scored.map((_, p) => p).filter((p) => input.labels[input.scored[p]!] === label);
    if (positions.length === 0) continue;
    positions.sort((a, b) => input.scores[a]! - input.scores[b]!);
    const count = Math.min(perPanel, Math.floor(positions.length / 2) || 1);
    const lowest = positions.slice(0, count).map((p) => input.scored[p]!);
    const highest = positions.slice(-count).reverse().map((p) => input.scored[p]!);
    const width = GAP + COLUMNS * (FACE_SIZE + GAP);
    const panel = GAP + Math.ceil(count / COLUMNS) * (FACE_SIZE + GAP);
    const height = 2 * panel + BAND;
    const raster = new Uint8Array(width * height).fill(255);
    tile(input.pixels, lowest, width, raster, 0);
    raster.fill(0, panel * width, (panel + BAND) * width);
    tile(input.pixels, highest, width, raster, panel + BAND);
    const path = join(dir, `${name}.png`);
    await sharp(raster, { raw: { width, height, channels: 1 } }).png().toFile(path);
    written.push(path);
  }
  return written;
}
