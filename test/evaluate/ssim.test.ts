import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ssim } from '../../trainer/evaluate/ssim.js';

const SIDE = 48;
const image = (f: (r: number, c: number) => number) => Float64Array.from({ length: SIDE * SIDE }, (_, i) => f(Math.floor(i / SIDE), i % SIDE));

test('SSIM of an image with itself is 1', () => {
  const a = image((r, c) => (7 * r + 13 * c) % 256);
  assert.ok(Math.abs(ssim(a, a, SIDE) - 1) < 1e-12);
});

test('SSIM of two flat images is the luminance term alone', () => {
  // Zero variances leave (2ab + C1) / (a^2 + b^2 + C1) with C1 = (0.01 * 255)^2.
  const c1 = (0.01 * 255) ** 2;
  const expected = (2 * 100 * 150 + c1) / (100 ** 2 + 150 ** 2 + c1);
  assert.ok(Math.abs(ssim(image(() => 100), image(() => 150), SIDE) - expected) < 1e-12);
});

test('SSIM matches scikit-image on textured and smooth pairs', () => {
  // Expected values from scikit-image 0.19.3 (Debian python3-skimage):
  // structural_similarity(a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255)
  const textured = image((r, c) => (7 * r + 13 * c) % 256);
  const textured2 = image((r, c) => (7 * r + 13 * c + ((r * c) % 37)) % 256);
  assert.ok(Math.abs(ssim(textured, textured2, SIDE) - 0.5881485299509585) < 1e-9);
  const smooth = image((r, c) => 128 + 100 * Math.sin(r / 5) * Math.cos(c / 7));
  const smooth2 = image((r, c) => Math.min(255, Math.max(0, smooth[r * SIDE + c]! * 0.8 + 20 + 10 * Math.sin((r * c) / 50))));
  assert.ok(Math.abs(ssim(smooth, smooth2, SIDE) - 0.904418538203055) < 1e-9);
});

test('SSIM refuses images of the wrong size', () => {
  assert.throws(() => ssim(new Float64Array(10), new Float64Array(10), SIDE), /48x48/);
});
