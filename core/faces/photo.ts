import sharp from 'sharp';
import { type OutputFormat, UndecodableImageError, UnsupportedImageError, sniffFormat } from '../image-codec.js';
import type { Raster } from './warp.js';

/** A decoded photo: upright (EXIF orientation applied), alpha flattened onto white, RGB. */
export interface Photo extends Raster {
  channels: 3;
}

/**
 * Decodes an upload the way {@link decodeFace} does (signature check, warnings fail the image,
 * the pixel limit), but keeps its size and colour: the face pipeline finds the faces itself.
 */
export async function decodePhoto(bytes: Uint8Array, options: { maxPixels?: number } = {}): Promise<Photo> {
  const format = sniffFormat(bytes);
  if (!format) throw new UnsupportedImageError('not a JPEG, PNG or WebP image');
  try {
    const { data, info } = await sharp(bytes, { failOn: 'warning', limitInputPixels: options.maxPixels ?? true, autoOrient: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, channels: 3 };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UndecodableImageError(`cannot decode the ${format.toUpperCase()} image: ${reason}`);
  }
}

/** The upright size of an upload, read from its header without decoding the pixels. */
export async function photoSize(bytes: Uint8Array): Promise<{ width: number; height: number }> {
  const format = sniffFormat(bytes);
  if (!format) throw new UnsupportedImageError('not a JPEG, PNG or WebP image');
  try {
    const { autoOrient } = await sharp(bytes).metadata();
    return { width: autoOrient.width, height: autoOrient.height };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UndecodableImageError(`cannot decode the ${format.toUpperCase()} image: ${reason}`);
  }
}

export async function encodePhoto(photo: Photo, format: OutputFormat): Promise<Buffer> {
  const image = sharp(photo.data, { raw: { width: photo.width, height: photo.height, channels: 3 } });
  switch (format) {
    case 'png':
      return image.png().toBuffer();
    case 'jpeg':
      return image.jpeg({ quality: 92 }).toBuffer();
    case 'webp':
      return image.webp({ quality: 92 }).toBuffer();
  }
}
