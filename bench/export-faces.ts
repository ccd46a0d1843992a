import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FACE_PIXELS } from '../core/image-codec.js';

/** One set of faces to write: data set rows, and their labels indexed by data set row. */
export interface FaceSet {
  rows: readonly number[];
  labels: ArrayLike<number>;
}

/**
 * Writes sets of a data set's faces for the PyTorch twins in bench/ (bench/torch_classifier.py
 * reads them): `<name>.px`, 48x48 grey bytes per face, `<name>.lb`, a label byte each, and
 * `<name>.rows`, each face's data set row (uint32), so that sets exported apart can be matched.
 */
export async function exportFaces(dir: string, pixels: Uint8Array, sets: Record<string, FaceSet>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, { rows, labels }] of Object.entries(sets)) {
    const out = new Uint8Array(rows.length * FACE_PIXELS);
    rows.forEach((i, n) => out.set(pixels.subarray(i * FACE_PIXELS, (i + 1) * FACE_PIXELS), n * FACE_PIXELS));
    await writeFile(join(dir, `${name}.px`), out);
    await writeFile(join(dir, `${name}.lb`), Uint8Array.from(rows, (i) => labels[i]!));
    await writeFile(join(dir, `${name}.rows`), Uint32Array.from(rows));
  }
}
