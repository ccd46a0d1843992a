import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readJudge, translationQuality } from '../../trainer/evaluate/translation-quality.js';

const row = (winner: number, p: number) => Array.from({ length: 7 }, (_, k) => (k === winner ? p : (1 - p) / 6));

test('the judge reading counts argmax hits on the target and averages its probability', () => {
  // Three faces: disgust (label 1) wins twice with 0.7 and 0.4, sad (4) once with 0.9 (disgust then 0.1 / 6).
  const probabilities = Float32Array.from([...row(1, 0.7), ...row(1, 0.4), ...row(4, 0.9)]);
  const reading = readJudge(probabilities, 'disgust');
  assert.equal(reading.count, 3);
  assert.ok(Math.abs(reading.targetRate - 2 / 3) < 1e-12);
  assert.ok(Math.abs(reading.meanTargetProbability - (0.7 + 0.4 + 0.1 / 6) / 3) < 1e-6);
  assert.ok(Math.abs(reading.labels.sad - 1 / 3) < 1e-12 && reading.labels.happy === 0);
});

test('identity: an unchanged translation has SSIM 1 and no difference; a shifted one has a known MAD', () => {
  const sources = Uint8Array.from({ length: 2 * 2304 }, (_, i) => (i * 7) % 256);
  const feature = [Float32Array.of(0, 1), Float32Array.of(1, 0), Float32Array.of(1, 1)];
  const common = {
    target: 'surprise' as const,
    sources,
    translationProbabilities: Float32Array.from([...row(5, 0.9), ...row(6, 0.8)]),
    realTargetProbabilities: Float32Array.from(row(5, 0.6)),
    translationFeatures: feature,
    realTargetFeatures: feature,
    kid: { subsets: 2, subsetSize: 3, seed: 1 },
  };
  const same = translationQuality({ ...common, translations: sources });
  assert.ok(Math.abs(same.identity.ssim - 1) < 1e-12);
  assert.equal(same.identity.meanAbsoluteDifference, 0);
  assert.equal(same.expression.targetRate, 0.5);
  assert.equal(same.ceiling.targetRate, 1);
  // Every subset is the whole set. k = (x.y / 2 + 1)^3 gives off-diagonal pairs 1, 3.375, 3.375 (each
  // twice: 15.5 over 6 ordered pairs) and a diagonal of 3.375, 3.375, 8: 2 * 15.5 / 6 - 2 * 30.25 / 9 = -14/9.
  assert.ok(Math.abs(same.realism.mean - -14 / 9) < 1e-9, `KID ${same.realism.mean}`);
  const brighter = translationQuality({ ...common, translations: sources.map((v) => Math.min(255, v + 10)) });
  const expected = Array.from(sources, (v) => Math.min(255, v + 10) - v).reduce((a, b) => a + b, 0) / sources.length;
  assert.ok(Math.abs(brighter.identity.meanAbsoluteDifference - expected) < 1e-9);
  assert.ok(brighter.identity.ssim < 1);
});
