/**
 * 16-bit encodings of float32 values, for checkpoints small enough to keep in the repository.
 * float16 (IEEE binary16: 10-bit mantissa, range +-65504) suits weights; bfloat16 (float32's
 * 8-bit exponent, 7-bit mantissa) suits Adam's second moments, whose squared gradients (often
 * 1e-10 and below) would underflow float16. Both round to nearest, ties to even.
 */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function toBfloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    f32[0] = values[i]!;
    const bits = u32[0]!;
    if ((bits & 0x7f800000) === 0x7f800000) {
      // Inf stays Inf; NaN keeps a mantissa bit so it stays NaN.
      out[i] = (bits >>> 16) | ((bits & 0xffff) !== 0 ? 0x40 : 0);
      continue;
    }
    out[i] = (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
  }
  return out;
}

export function fromBfloat16(half: Uint16Array): Float32Array {
  const out = new Float32Array(half.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < half.length; i++) bits[i] = half[i]! << 16;
  return out;
}

export function toFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    f32[0] = values[i]!;
    const bits = u32[0]!;
    const sign = (bits >>> 16) & 0x8000;
    const exponent = (bits >>> 23) & 0xff;
    const mantissa = bits & 0x7fffff;
    if (exponent === 0xff) {
      out[i] = sign | 0x7c00 | (mantissa !== 0 ? 0x200 : 0);
      continue;
    }
    const e = exponent - 127 + 15;
    if (e >= 0x1f) {
      out[i] = sign | 0x7c00; // too large: infinity
    } else if (e <= 0) {
      // Subnormal (or zero): shift the implicit 1 in, rounding to nearest even.
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      const m = mantissa | 0x800000;
      const shift = 14 - e;
      const halfway = 1 << (shift - 1);
      const rest = m & ((1 << shift) - 1);
      let value = m >>> shift;
      if (rest > halfway || (rest === halfway && (value & 1) === 1)) value++;
      out[i] = sign | value;
    } else {
      let value = (e << 10) | (mantissa >>> 13);
      const rest = mantissa & 0x1fff;
      if (rest > 0x1000 || (rest === 0x1000 && (value & 1) === 1)) value++; // may carry into the exponent, as it should
      out[i] = sign | value;
    }
  }
  return out;
}

export function fromFloat16(half: Uint16Array): Float32Array {
  const out = new Float32Array(half.length);
  for (let i = 0; i < half.length; i++) {
    const h = half[i]!;
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >>> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0) out[i] = sign * mantissa * 2 ** -24;
    else if (exponent === 0x1f) out[i] = mantissa ? NaN : sign * Infinity;
    else out[i] = sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }
  return out;
}
