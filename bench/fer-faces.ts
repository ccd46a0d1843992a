import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import sharp from 'sharp';
import type { Photo } from '../core/faces/photo.js';
import type { Point } from '../core/faces/similarity.js';
import { FACE_PIXELS, FACE_SIZE } from '../core/image-codec.js';
import { parseKaggleHeader, parseKaggleRow } from '../trainer/data/kaggle-row.js';

/** Every `stride`-th face of a Kaggle fer2013.csv(.gz), up to `count`, with its label. */
export async function readFerFaces(path: string, count: number, stride: number): Promise<Array<{ label: number; pixels: Uint8Array }>> {
  const raw = createReadStream(path);
  const lines = createInterface({ input: path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw, crlfDelay: Infinity });
  const faces: Array<{ label: number; pixels: Uint8Array }> = [];
  let columns: 3 | 4 | undefined;
  let index = 0;
  for await (const line of lines) {
    if (line.trim() === '') continue;
    if (columns === undefined) {
      columns = parseKaggleHeader(line);
      continue;
    }
    if (index++ % stride !== 0) continue;
    const pixels = new Uint8Array(FACE_PIXELS);
    faces.push({ label: parseKaggleRow(line, pixels, columns).label, pixels });
    if (faces.length >= count) break;
  }
  lines.close();
  raw.destroy();
  return faces;
}

/** The landmark network reads a face box resized to 112x112, so a 48-pixel face is upscaled before it is looked at. */
export const UPSCALE = 4;

/** A 48x48 FER2013 face as a photo: upscaled x4 (Lanczos), RGB. */
export async function ferPhoto(pixels: Uint8Array): Promise<Photo> {
  const side = FACE_SIZE * UPSCALE;
  const data = await sharp(pixels, { raw: { width: FACE_SIZE, height: FACE_SIZE, channels: 1 } })
    .resize(side, side, { kernel: 'lanczos3' })
    .toColourspace('srgb')
    .raw()
    .toBuffer();
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: side, height: side, channels: 3 };
}

/** A point of the upscaled photo back in the 48x48 crop's coordinates. */
export const toCrop = (p: Point): Point => ({ x: p.x / UPSCALE, y: p.y / UPSCALE });

export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  return sorted[lo]! + (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!) * (at - lo);
}
