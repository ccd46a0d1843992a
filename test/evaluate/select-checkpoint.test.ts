import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectCheckpoint, type CheckpointQuality } from '../../trainer/evaluate/select-checkpoint.js';

const at = (step: number, targetRate: number, ssim: number, kid: number): CheckpointQuality => ({ step, targetRate, ssim, kid });

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

test('when no checkpoint keeps the face, the most faithful one is chosen; the SSIM floor is a parameter', () => {
  const history = [at(500, 0.6, 0.4, 0.05), at(1000, 0.7, 0.55, 0.04), at(1500, 0.8, 0.3, 0.03)];
  assert.equal(selectCheckpoint(history).step, 1000);
  assert.equal(selectCheckpoint(history, { minSsim: 0.3 }).step, 1500);
  assert.throws(() => selectCheckpoint([]), /no checkpoint/);
});
