import sharp from 'sharp';
import { encodeGreyPng } from './grey-png.js';

/**
 * The face contract: what a face is (48x48 grey levels), how any image becomes one (decode, EXIF
 * orientation, alpha onto white, centre square, grey), how grey levels map to the generators'
 * [-1, 1], and the names an exported generator's input and output carry. The trainer's importer,
 * the exporter, the server, the bulk jobs and the benches all take these from here, so a
 * translator is served exactly the kind of face it was trained on.
 */
export const FACE_SIZE = 48;
export const FACE_PIXELS = FACE_SIZE * FACE_SIZE;

/**
 * An exported generator takes `input`, float32 [N, 1, 48, 48] faces in {@link UNIT_RANGE}, and
 * returns `output` in the same shape and range (trainer/onnx/io-contract.ts derives the full
 * shapes; the server refuses a graph without these names).
 */
export const ONNX_INPUT = 'input';
export const ONNX_OUTPUT = 'output';
/** The range of the generators' inputs and outputs (tanh); see {@link toUnitRange}. */
export const UNIT_RANGE = [-1, 1] as const;

export const INPUT_FORMATS = ['jpeg', 'png', 'webp'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];
export const OUTPUT_FORMATS = ['png', 'jpeg', 'webp'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const MEDIA_TYPES: Record<OutputFormat, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

/** The bytes are not an image format faceaug accepts (HTTP 415). */
export class UnsupportedImageError extends Error {
  override name = 'UnsupportedImageError';
}

/** The bytes claim a supported format but do not decode cleanly, or exceed the pixel limit (HTTP 422). */
export class UndecodableImageError extends Error {
  override name = 'UndecodableImageError';
}

/**
 * Recognises JPEG, PNG and WebP by their signatures before any decoder runs, so sharp never
 * gets to guess at (and parse) the dozens of other formats libvips understands.
 */
export function sniffFormat(bytes: Uint8Array): InputFormat | undefined {
  const starts = (...signature: number[]) => signature.every((byte, i) => bytes[i] === byte);
  if (starts(0xff, 0xd8, 0xff)) return 'jpeg';
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) return 'webp';
  return undefined;
}

/**
 * Blocks every libvips loader but the JPEG, PNG and WebP buffer loaders, process-wide. A server
 * calls it once at start as a second wall behind {@link sniffFormat}; the trainer, which reads
 * image files from disk, must not.
 */
export function restrictDecoders(): void {
  sharp.block({ operation: ['VipsForeignLoad'] });
  sharp.unblock({ operation: ['VipsForeignLoadJpegBuffer', 'VipsForeignLoadPngBuffer', 'VipsForeignLoadWebpBuffer'] });
}

/**
 * Decodes an image (an upload, or a file the trainer imports) to a 48x48 single-channel face:
 * EXIF orientation applied, alpha flattened onto white, the centred square cropped and resized.
 * A warning from the decoder (a truncated file, a bad checksum) fails the image rather than
 * yielding half a face. `maxPixels` is the server's upload limit; without it sharp's own applies.
 */
export async function decodeFace(bytes: Uint8Array, options: { maxPixels?: number } = {}): Promise<Uint8Array> {
  const format = sniffFormat(bytes);
  if (!format) throw new UnsupportedImageError('not a JPEG, PNG or WebP image');
  try {
    const { data, info } = await sharp(bytes, { failOn: 'warning', limitInputPixels: options.maxPixels ?? true, autoOrient: true, sequentialRead: true })
      .flatten({ background: '#ffffff' })
      .resize(FACE_SIZE, FACE_SIZE, { fit: 'cover', position: 'centre' })
      .toColourspace('b-w')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 1 || data.length !== FACE_PIXELS) throw new Error(`decoded to ${info.width}x${info.height}x${info.channels}`);
    return new Uint8Array(data.buffer, data.byteOffset, data.length);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UndecodableImageError(`cannot decode the ${format.toUpperCase()} image: ${reason}`);
  }
}

/**
 * Encodes a 48x48 grey face, upscaled to `size` x `size` when asked. PNG and JPEG come out as
 * true single-channel files; WebP has no grey mode, so it stores three equal channels. PNGs are
 * written by {@link encodeGreyPng}; sharp resizes and writes the lossy formats.
 */
export async function encodeFace(pixels: Uint8Array, options: { format: OutputFormat; size?: number }): Promise<Buffer> {
  if (pixels.length !== FACE_PIXELS) throw new RangeError(`a face has ${FACE_PIXELS} pixels, got ${pixels.length}`);
  const size = options.size ?? FACE_SIZE;
  if (options.format === 'png' && size === FACE_SIZE) return encodeGreyPng(pixels, FACE_SIZE, FACE_SIZE);
  let image = sharp(pixels, { raw: { width: FACE_SIZE, height: FACE_SIZE, channels: 1 } });
  if (size !== FACE_SIZE) image = image.resize(size, size, { kernel: 'lanczos3' });
  image = image.toColourspace('b-w');
  switch (options.format) {
    case 'png': {
      const grey = await image.raw().toBuffer();
      return encodeGreyPng(new Uint8Array(grey.buffer, grey.byteOffset, grey.length), size, size);
    }
    case 'jpeg':
      return image.jpeg({ quality: 92 }).toBuffer();
    case 'webp':
      return image.webp({ quality: 92 }).toBuffer();
  }
}

/** Grey levels 0..255 to the generator's [-1, 1] (g / 127.5 - 1), written into `into` at `offset`. */
export function toUnitRange(pixels: Uint8Array, into: Float32Array, offset = 0): void {
  for (let i = 0; i < pixels.length; i++) into[offset + i] = pixels[i]! / 127.5 - 1;
}

/** The generator's tanh output back to grey levels, rounded and clamped. */
export function fromUnitRange(values: Float32Array, offset = 0, length = FACE_PIXELS): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const grey = Math.round((values[offset + i]! + 1) * 127.5);
    out[i] = grey < 0 ? 0 : grey > 255 ? 255 : grey;
  }
  return out;
}
