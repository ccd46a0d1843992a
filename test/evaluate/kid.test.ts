import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelInceptionDistance, polynomialKernel, unbiasedMmd2 } from '../../trainer/evaluate/kid.js';

test('polynomial kernel: (x.y / d + 1)^3', () => {
  assert.equal(polynomialKernel([1, 2], [3, 4]), (11 / 2 + 1) ** 3);
});

test('unbiased MMD^2 of a hand-computed case', () => {
  // d = 1, k(a, b) = (ab + 1)^3. Within X: k(0, 1) = 1 twice over 2 ordered pairs -> 1.
  // Within Y: k(2, 3) = 343 -> 343. Cross: k(0,2) + k(0,3) + k(1,2) + k(1,3) = 1 + 1 + 27 + 64 = 93,
  // times 2 / m^2 = 46.5. MMD^2 = 1 + 343 - 46.5.
  assert.equal(unbiasedMmd2([[0], [1]], [[2], [3]]), 297.5);
});

test('KID is near zero for two samples of one distribution and grows with the shift between them', () => {
  const gaussian = (seed: number, shift: number) => {
    let s = seed;
    const next = () => ((s = (s * 16807) % 2147483647) / 2147483647);
    return Array.from({ length: 200 }, () =>
      Array.from({ length: 4 }, () => Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next()) + shift),
    );
  };
  const options = { subsets: 20, subsetSize: 100, seed: 1 };
  const same = kernelInceptionDistance(gaussian(1, 0), gaussian(2, 0), options);
  const shifted = kernelInceptionDistance(gaussian(1, 0), gaussian(3, 1), options);
  assert.ok(Math.abs(same.mean) < 3 * same.std, `same distribution: ${same.mean} +- ${same.std}`);
  assert.ok(shifted.mean > 5 * shifted.std, `shifted: ${shifted.mean} +- ${shifted.std}`);
  assert.equal(shifted.subsetSize, 100);
  assert.deepEqual(kernelInceptionDistance(gaussian(1, 0), gaussian(3, 1), options), shifted, 'seeded subsets repeat');
});
