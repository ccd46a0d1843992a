import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectCheckpoint, type CheckpointQuality } from '../../trainer/evaluate/select-checkpoint.js';

// A ceiling of 1 (the judge reads every real target face as the target) keeps these rates below 0.8 of it.
const at = (step: number, targetRate: number, ssim: number, kid: number, ceiling = 1): CheckpointQuality => ({ step, targetRate, ceiling, ssim, kid });

test('the most target-like checkpoint among those that keep the face wins, not the last one', () => {
  const history = [at(500, 0.1, 0.8, 0.05), at(1000, 0.45, 0.7, 0.04), at(1500, 0.6, 0.5, 0.03), at(2000, 0.3, 0.75, 0.02)];
  // 1500 has the highest rate but loses the face (SSIM 0.5 < 0.6); 2000 is last but less target-like.
  assert.equal(selectCheckpoint(history).step, 1000);
});

test('near-equal rates are decided by the lower KID', () => {
  const history = [at(1000, 0.5, 0.7, 0.04), at(2000, 0.502, 0.7, 0.03), at(3000, 0.49, 0.7, 0.01)];
  // 0.502 vs 0.5 is within 1/200, so 2000's lower KID wins over 1000; 3000 is 0.012 below 2000.
  assert.equal(selectCheckpoint(history).step, 2000);
});

test('once checkpoints carry the expression (0.8 of the ceiling), the most realistic of them wins', () => {
  // Surprise run 4 of December 2: real surprise faces read 71.1%; 300 has the higher rate, 400 the lower KID.
  const history = [at(100, 0.09, 0.889, 23.66, 0.711), at(200, 0.705, 0.842, 12.34, 0.711), at(300, 0.705, 0.866, 12.03, 0.711), at(400, 0.665, 0.887, 9.83, 0.711)];
  assert.equal(selectCheckpoint(history).step, 400);
  // 0.665 < 0.95 x 0.711: under a stricter rule none carries it, and the highest rate wins again (KID breaks the tie).
  assert.equal(selectCheckpoint(history, { minSsim: 0.6, expressive: 0.95 }).step, 300);
  // An expressive checkpoint that loses the face does not compete.
  assert.equal(selectCheckpoint([...history, at(500, 0.7, 0.5, 5, 0.711)]).step, 400);
});

test('when no checkpoint keeps the face, the most faithful one is chosen; the SSIM floor is a parameter', () => {
  const history = [at(500, 0.6, 0.4, 0.05), at(1000, 0.7, 0.55, 0.04), at(1500, 0.8, 0.3, 0.03)];
  assert.equal(selectCheckpoint(history).step, 1000);
  assert.equal(selectCheckpoint(history, { minSsim: 0.3, expressive: 0.8 }).step, 1500);
  assert.throws(() => selectCheckpoint([]), /no checkpoint/);
});
