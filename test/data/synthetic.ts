import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FACE_PIXELS } from '../../core/image-codec.js';

/** A synthetic image whose grey levels are a function of `seed`, so rows differ unless seeds match. */
export function syntheticPixels(seed: number): number[] {
  return Array.from({ length: FACE_PIXELS }, (_, i) => (i * 7 + seed * 31) % 256);
}

export function kaggleLine(label: number | string, pixels: number[] | string, usage = 'Training'): string {
  return `${label},${Array.isArray(pixels) ? pixels.join(' ') : pixels},${usage}`;
}

export const HEADER = 'emotion,pixels,Usage';

/** A temp directory for one test, removed afterwards. */
export async function withTempDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'faceaug-data-'));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function writeCsv(dir: string, name: string, lines: string[], gzip = false): Promise<string> {
  const path = join(dir, name);
  const text = `${lines.join('\n')}\n`;
  await writeFile(path, gzip ? gzipSync(text) : text);
  return path;
}
