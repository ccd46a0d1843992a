import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import {
  FACE_PIXELS,
  UndecodableImageError,
  UnsupportedImageError,
  decodeFace,
  encodeFace,
  fromUnitRange,
  restrictDecoders,
  sniffFormat,
  toUnitRange,
} from '../../core/image-codec.js';
import { encodeGreyPng } from '../../core/grey-png.js';

const LIMIT = { maxPixels: 1 << 20 };
const rgb = (width: number, height: number, pixel: (x: number, y: number) => number) => {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.fill(pixel(x, y), (y * width + x) * 3, (y * width + x) * 3 + 3);
  return sharp(data, { raw: { width, height, channels: 3 } });
};
const mean = (pixels: Uint8Array) => pixels.reduce((a, b) => a + b, 0) / pixels.length;

test('formats are recognised by signature, and only JPEG, PNG and WebP are', async () => {
  const image = rgb(8, 8, () => 100);
  assert.equal(sniffFormat(await image.clone().jpeg().toBuffer()), 'jpeg');
  assert.equal(sniffFormat(await image.clone().png().toBuffer()), 'png');
  assert.equal(sniffFormat(await image.clone().webp().toBuffer()), 'webp');
  assert.equal(sniffFormat(await image.clone().gif().toBuffer()), undefined);
  assert.equal(sniffFormat(await image.clone().tiff().toBuffer()), undefined);
  await assert.rejects(decodeFace(await image.clone().gif().toBuffer(), LIMIT), UnsupportedImageError);
});

test('decoding takes the centred square, grey, 48x48; alpha goes white', async () => {
  // 144x48: black thirds either side of a white centre square.
  const face = await decodeFace(await rgb(144, 48, (x) => (x >= 48 && x < 96 ? 255 : 0)).png().toBuffer(), LIMIT);
  assert.equal(face.length, FACE_PIXELS);
  assert.ok(mean(face) > 250, `centre crop is white, mean ${mean(face)}`);
  const transparent = await sharp({ create: { width: 60, height: 60, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer();
  assert.ok(mean(await decodeFace(transparent, LIMIT)) > 250);
});

test('EXIF orientation is applied before cropping', async () => {
  // Stored upside down (top white, bottom black) with orientation 3 (rotate 180): upright it is black on top.
  const stored = await rgb(48, 48, (_, y) => (y < 24 ? 255 : 0)).jpeg().withMetadata({ orientation: 3 }).toBuffer();
  const face = await decodeFace(stored, LIMIT);
  assert.ok(mean(face.subarray(0, 20 * 48)) < 30, 'top is black once oriented');
  assert.ok(mean(face.subarray(28 * 48)) > 225, 'bottom is white once oriented');
});

test('truncated files and images over the pixel limit are refused, not half-decoded', async () => {
  const png = await rgb(64, 64, (x, y) => (x * y) % 256).png().toBuffer();
  await assert.rejects(decodeFace(png.subarray(0, png.length - 30), LIMIT), UndecodableImageError);
  const jpeg = await rgb(64, 64, (x, y) => (x * y) % 256).jpeg().toBuffer();
  await assert.rejects(decodeFace(jpeg.subarray(0, jpeg.length / 2), LIMIT), UndecodableImageError);
  await assert.rejects(decodeFace(png, { maxPixels: 64 * 63 }), /pixel limit/);
});

test('outputs are single channel PNG and JPEG, upscaled on request; WebP (which has no grey mode) is encoded too', async () => {
  const face = new Uint8Array(FACE_PIXELS).map((_, i) => i % 256);
  for (const format of ['png', 'jpeg'] as const) {
    const meta = await sharp(await encodeFace(face, { format })).metadata();
    assert.deepEqual([meta.format, meta.width, meta.channels, meta.space], [format, 48, 1, 'b-w']);
  }
  const big = await sharp(await encodeFace(face, { format: 'png', size: 200 })).metadata();
  assert.deepEqual([big.width, big.height, big.channels], [200, 200, 1]);
  const png = await sharp(await encodeFace(face, { format: 'png' })).toColourspace('b-w').raw().toBuffer();
  assert.deepEqual(new Uint8Array(png), face, 'PNG is lossless');
  assert.equal((await sharp(await encodeFace(face, { format: 'webp' })).metadata()).format, 'webp');
});

test('grey levels map to [-1, 1] and back exactly', () => {
  const grey = new Uint8Array(FACE_PIXELS).map((_, i) => i % 256);
  const unit = new Float32Array(FACE_PIXELS);
  toUnitRange(grey, unit);
  assert.equal(unit[0], -1);
  assert.equal(unit[255], 1);
  assert.deepEqual(fromUnitRange(unit), grey);
  assert.deepEqual(fromUnitRange(new Float32Array(FACE_PIXELS).fill(3)), new Uint8Array(FACE_PIXELS).fill(255), 'clamped');
});

test('restrictDecoders leaves libvips only the JPEG, PNG and WebP loaders', async () => {
  const gif = await rgb(8, 8, () => 100).gif().toBuffer();
  const tiff = await rgb(8, 8, () => 100).tiff().toBuffer();
  restrictDecoders();
  await assert.rejects(sharp(gif).raw().toBuffer(), /unsupported image format/);
  await assert.rejects(sharp(tiff).raw().toBuffer(), /unsupported image format/);
  assert.equal((await decodeFace(await rgb(8, 8, () => 100).webp().toBuffer(), LIMIT)).length, FACE_PIXELS);
});

test('grey PNGs decode (by libvips) to exactly the pixels written, at any size', async () => {
  for (const [width, height] of [[48, 48], [1, 1], [37, 5]] as const) {
    const pixels = new Uint8Array(width * height).map((_, i) => (i * 37 + 11) % 256);
    const png = encodeGreyPng(pixels, width, height);
    const meta = await sharp(png).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height, meta.channels, meta.space], ['png', width, height, 1, 'b-w']);
    assert.deepEqual(new Uint8Array(await sharp(png).toColourspace('b-w').raw().toBuffer()), pixels);
  }
  assert.throws(() => encodeGreyPng(new Uint8Array(10), 4, 4), RangeError);
});
