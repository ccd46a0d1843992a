import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromBfloat16, fromFloat16, toBfloat16, toFloat16 } from '../../trainer/networks/half-precision.js';

const hex = (values: Uint16Array) => Array.from(values, (v) => v.toString(16).padStart(4, '0'));

// Expected bit patterns come from numpy's float16 cast and PyTorch's bfloat16 cast of the same values.
test('float16 bit patterns of known values', () => {
  const values = Float32Array.from([0, -0, 1, -2, 0.5, 65504, 65520, 1e-8, 2 ** -24, 2 ** -14, 0.1, 1 + 2 ** -11, 1 + 3 * 2 ** -11, Infinity, NaN]);
  assert.deepEqual(hex(toFloat16(values)), [
    '0000', '8000', '3c00', 'c000', '3800',
    '7bff', // largest finite
    '7c00', // 65520 rounds up to infinity
    '0000', // below half the smallest subnormal
    '0001', // smallest subnormal
    '0400', // smallest normal
    '2e66', // 0.1
    '3c00', // 1 + 2^-11 is halfway: ties to even (down)
    '3c02', // 1 + 3 * 2^-11 is halfway: ties to even (up)
    '7c00',
    '7e00',
  ]);
});

test('float16 round trip: exact for representable values, within 2^-11 relative otherwise', () => {
  const exact = Float32Array.from([0, 1, -2, 0.5, 65504, 2 ** -24, 2 ** -14, 1 + 2 ** -10]);
  assert.deepEqual(fromFloat16(toFloat16(exact)), exact);
  const weights = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 0.05 * (1 + (i % 7)));
  const back = fromFloat16(toFloat16(weights));
  weights.forEach((w, i) => assert.ok(Math.abs(back[i]! - w) <= Math.abs(w) * 2 ** -11 + 2 ** -25, `${w} -> ${back[i]}`));
});

test('bfloat16 keeps float32 range and rounds to nearest even', () => {
  // 1 + 2^-8 is halfway between bfloat16 neighbours 1 and 1 + 2^-7: ties to even (down);
  // 1 + 3 * 2^-8 ties up to 1 + 2^-6.
  const values = Float32Array.from([1, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 1e-12, -3.5e20, Infinity]);
  assert.deepEqual(hex(toBfloat16(values)), ['3f80', '3f80', '3f82', '2b8d', 'e198', '7f80']);
  const back = fromBfloat16(toBfloat16(values));
  assert.ok(Math.abs(back[3]! - 1e-12) < 1e-12 * 2 ** -8, 'tiny second moments survive');
  assert.ok(Number.isNaN(fromBfloat16(toBfloat16(Float32Array.from([NaN])))[0]));
});
