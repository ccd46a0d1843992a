import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { FACE_PIXELS } from '../../core/image-codec.js';
import { generateImages } from '../gan/generate.js';

export interface SyntheticImage {
  file: string;
  sourceIndex: number;
  sourceRow: number;
  modelVersion: number | null;
  step: number;
}

export interface SyntheticSet {
  images: SyntheticImage[];
  /** count x 2304 grey levels, decoded from the PNGs, in `images` order. */
  pixels: Uint8Array;
}

const exists = (path: string) => stat(path).then(() => true, () => false);

/** Reads a generated set back: what the classifiers train on is exactly what the PNG files hold. */
async function readSet(dir: string): Promise<SyntheticSet> {
  const lines = (await readFile(join(dir, 'manifest.jsonl'), 'utf8')).trim().split('\n');
  const images = lines.map((line) => JSON.parse(line) as SyntheticImage);
  const pixels = new Uint8Array(images.length * FACE_PIXELS);
  for (const [n, image] of images.entries()) {
    const grey = await sharp(join(dir, image.file)).greyscale().raw().toBuffer();
    if (grey.length !== FACE_PIXELS) throw new Error(`${image.file} is not a 48x48 image`);
    pixels.set(grey, n * FACE_PIXELS);
  }
  return { images, pixels };
}

/**
 * The synthetic candidates of a validation: `count` translations of a seeded choice of the run's
 * source faces, generated once into `dir` and reused by every later invocation, so a resumed
 * validation keeps training on the same images even if the run has checkpointed since.
 */
export async function syntheticCandidates(dir: string, input: { dataDir: string; runId: number; count: number; seed: number; backend?: string }): Promise<SyntheticSet> {
  if (!(await exists(join(dir, 'manifest.jsonl')))) {
    await generateImages({ dataDir: input.dataDir, runId: input.runId, count: input.count, out: dir, seed: input.seed, backend: input.backend });
  }
  return readSet(dir);
}

/** Writes the chosen images' pixels for the fold workers, who read them from disk. */
export async function writeChosen(path: string, set: SyntheticSet, chosen: readonly number[]): Promise<void> {
  const out = new Uint8Array(chosen.length * FACE_PIXELS);
  chosen.forEach((n, k) => out.set(set.pixels.subarray(n * FACE_PIXELS, (n + 1) * FACE_PIXELS), k * FACE_PIXELS));
  await writeFile(path, out);
}
