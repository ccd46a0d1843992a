import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alignmentOf } from '../../core/faces/align.js';
import { type Anchors, anchorsOf } from '../../core/faces/anchors.js';
import { FER2013_ANCHORS } from '../../core/faces/framing.js';
import { featherWeight } from '../../core/faces/feather.js';
import { pasteChanges } from '../../core/faces/paste.js';
import { applySimilarity, fitSimilarity, invertSimilarity, rotationOf, scaleOf } from '../../core/faces/similarity.js';
import { sampleBilinear, warpGrey } from '../../core/faces/warp.js';

const close = (actual: number, expected: number, what: string, tolerance = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not ${expected}`);

test('fitSimilarity recovers a known rotation, scale and shift exactly, and its inverse undoes it', () => {
  // 90 degrees counter-clockwise (in y-down image coordinates: x' = -2y + 5, y' = 2x - 1), scale 2.
  const from = [{ x: 0, y: 0 }, { x: 1, y: 0 }, { x: 0, y: 3 }];
  const to = from.map((p) => ({ x: -2 * p.y + 5, y: 2 * p.x - 1 }));
  const t = fitSimilarity(from, to);
  close(t.a, 0, 'a');
  close(t.b, 2, 'b');
  close(t.tx, 5, 'tx');
  close(t.ty, -1, 'ty');
  close(scaleOf(t), 2, 'scale');
  close(rotationOf(t), Math.PI / 2, 'rotation');
  const back = invertSimilarity(t);
  const p = applySimilarity(back, applySimilarity(t, { x: 7.25, y: -3.5 }));
  close(p.x, 7.25, 'x round trip');
  close(p.y, -3.5, 'y round trip');
});

test('fitSimilarity spreads the error of an inconsistent point: the least-squares answer for a known case', () => {
  // Two eyes fit by the identity, a mouth 2 px lower: a = sum(centred from . centred to) / sum |centred from|^2,
  // with `from` centred at (0, 10/3) and `to` at (0, 4).
  const from = [{ x: -1, y: 0 }, { x: 1, y: 0 }, { x: 0, y: 10 }];
  const to = [{ x: -1, y: 0 }, { x: 1, y: 0 }, { x: 0, y: 12 }];
  const t = fitSimilarity(from, to);
  const norm = 1 + 1 + 2 * (100 / 9) + 400 / 9;
  const dot = 1 + 1 + 2 * (10 / 3) * 4 + (20 / 3) * 8;
  close(t.a, dot / norm, 'a');
  close(t.b, 0, 'b (no rotation: the error is symmetric)');
  assert.throws(() => fitSimilarity([{ x: 1, y: 1 }, { x: 1, y: 1 }], from.slice(0, 2)), /coincide/);
});

test('bilinear sampling: exact at pixel centres, linear between, edges repeated', () => {
  const image = { data: new Uint8Array([0, 100, 200, 50]), width: 2, height: 2, channels: 1 };
  close(sampleBilinear(image, 0.5, 0.5), 0, 'centre of (0,0)');
  close(sampleBilinear(image, 1.5, 0.5), 100, 'centre of (1,0)');
  close(sampleBilinear(image, 1, 0.5), 50, 'half way along the top row');
  close(sampleBilinear(image, 1, 1), (0 + 100 + 200 + 50) / 4, 'the middle');
  close(sampleBilinear(image, -5, 0.5), 0, 'left of the image: edge repeated');
  close(sampleBilinear(image, 1.5, 9), 50, 'below the image: edge repeated');
  // The identity warp reproduces the image; a shift by one pixel moves it.
  assert.deepEqual([...warpGrey(image, (p) => p, 2, 2)], [0, 100, 200, 50]);
  assert.deepEqual([...warpGrey(image, (p) => ({ x: p.x + 1, y: p.y }), 2, 2)], [100, 100, 50, 50]);
});

test('the feathered mask: 1 in its core, 0 outside, 0.5 half way through the feather, smooth', () => {
  const mask = { cx: 24, cy: 24, rx: 10, ry: 20, feather: 0.4 };
  close(featherWeight(mask, 24, 24), 1, 'centre');
  close(featherWeight(mask, 24 + 6, 24), 1, 'edge of the core (r = 0.6)');
  close(featherWeight(mask, 24 + 8, 24), 0.5, 'half way (r = 0.8)');
  close(featherWeight(mask, 24, 24 + 16), 0.5, 'half way on the long axis (r = 0.8)');
  close(featherWeight(mask, 24 + 10, 24), 0, 'on the ellipse');
  close(featherWeight(mask, 0, 0), 0, 'a corner');
  // smoothstep: 3t^2 - 2t^3 at t = 0.25 (r = 0.9).
  close(featherWeight(mask, 24 + 9, 24), 3 * 0.0625 - 2 * 0.015625, 'a quarter into the feather', 1e-12);
});

test('pasting adds the change to every colour channel inside the mask only, so colour differences survive', () => {
  const width = 40;
  const height = 30;
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set([100, 150, 60], i * 3);
  const photo = { data, width, height, channels: 3 };
  const mask = { cx: 8, cy: 8, rx: 6, ry: 6, feather: 0.5 };
  // A 16x16 face frame over photo pixels 10..26 x 5..21, at the photo's scale.
  const toFace = { a: 1, b: 0, tx: -10, ty: -5 };
  const delta = new Float32Array(16 * 16).fill(20);
  const out = pasteChanges(photo, [{ toFace, delta, size: 16 }], mask);
  const at = (x: number, y: number) => [...out.data.subarray((y * width + x) * 3, (y * width + x) * 3 + 3)];
  assert.deepEqual(at(17, 12), [120, 170, 80], 'the mask centre (face 7.5, 7.5) gets the whole change on each channel');
  assert.deepEqual(at(0, 0), [100, 150, 60], 'far outside: untouched');
  let changed = 0;
  for (let i = 0; i < width * height; i++) {
    const [r, g, b] = [out.data[i * 3]!, out.data[i * 3 + 1]!, out.data[i * 3 + 2]!];
    if (r !== 100) changed++;
    assert.equal(r - g, -50, 'R - G unchanged');
    assert.equal(b - g, -90, 'B - G unchanged');
    const x = i % width;
    const y = Math.floor(i / width);
    if (Math.hypot(x + 0.5 - 18, y + 0.5 - 13) >= 6) assert.equal(r, 100, `(${x}, ${y}) lies outside the mask`);
  }
  assert.ok(changed > 50 && changed < Math.PI * 36, `${changed} pixels changed, about the mask's area`);
  assert.deepEqual(pasteChanges(photo, [{ toFace, delta: new Float32Array(256), size: 16 }], mask).data, data, 'no change, no difference');
});

test('anchors are the means of the eye and mouth landmarks', () => {
  const landmarks = Array.from({ length: 68 }, (_, i) => ({ x: i, y: 2 * i }));
  const a = anchorsOf(landmarks);
  assert.deepEqual(a.leftEye, { x: 38.5, y: 77 });
  assert.deepEqual(a.rightEye, { x: 44.5, y: 89 });
  assert.deepEqual(a.mouth, { x: 57.5, y: 115 });
  assert.throws(() => anchorsOf(landmarks.slice(1)), /68 landmarks/);
});

/** 68 landmarks whose eyes and mouth sit at the given anchors (the rest at the origin). */
function landmarksAt(a: Anchors) {
  return Array.from({ length: 68 }, (_, i) => (i >= 48 ? a.mouth : i >= 42 ? a.rightEye : i >= 36 ? a.leftEye : { x: 0, y: 0 }));
}

test('both alignment rules put a face framed like FER2013 exactly on its anchors; on a turned face the eyes-only rule enlarges it and the fit with the mouth does not', () => {
  // FER2013's anchors, three times larger, turned 30 degrees and shifted: a photo of the mean face.
  const toPhoto = { a: 3 * Math.cos(Math.PI / 6), b: 3 * Math.sin(Math.PI / 6), tx: 100, ty: 40 };
  const mapped = (a: Anchors): Anchors => ({ leftEye: applySimilarity(toPhoto, a.leftEye), rightEye: applySimilarity(toPhoto, a.rightEye), mouth: applySimilarity(toPhoto, a.mouth) });
  const close = (p: { x: number; y: number }, q: { x: number; y: number }) => Math.hypot(p.x - q.x, p.y - q.y) < 1e-9;
  for (const rule of ['eyes', 'eyes-mouth'] as const) {
    const toFace = alignmentOf(landmarksAt(mapped(FER2013_ANCHORS)), rule);
    assert.ok(Math.abs(scaleOf(toFace) - 1 / 3) < 1e-12, rule);
    for (const name of ['leftEye', 'rightEye', 'mouth'] as const) {
      assert.ok(close(applySimilarity(toFace, mapped(FER2013_ANCHORS)[name]), FER2013_ANCHORS[name]), `${rule}: ${name}`);
    }
  }

  // The head turned about its vertical axis: the eyes 20% closer together around their midpoint, the mouth where it was.
  const mid = { x: (FER2013_ANCHORS.leftEye.x + FER2013_ANCHORS.rightEye.x) / 2, y: (FER2013_ANCHORS.leftEye.y + FER2013_ANCHORS.rightEye.y) / 2 };
  const squeeze = (p: { x: number; y: number }) => ({ x: mid.x + 0.8 * (p.x - mid.x), y: p.y });
  const turned = mapped({ leftEye: squeeze(FER2013_ANCHORS.leftEye), rightEye: squeeze(FER2013_ANCHORS.rightEye), mouth: FER2013_ANCHORS.mouth });
  const eyesOnly = alignmentOf(landmarksAt(turned), 'eyes');
  const withMouth = alignmentOf(landmarksAt(turned), 'eyes-mouth');
  assert.ok(close(applySimilarity(eyesOnly, turned.leftEye), FER2013_ANCHORS.leftEye) && close(applySimilarity(eyesOnly, turned.rightEye), FER2013_ANCHORS.rightEye), 'eyes-only puts the eyes exactly');
  assert.ok(Math.abs(scaleOf(eyesOnly) * 3 - 1.25) < 1e-3, 'eyes-only enlarges the turned face by 1/0.8');
  assert.ok(scaleOf(withMouth) * 3 < 1.1, `the fit with the mouth keeps it near its size (x${(scaleOf(withMouth) * 3).toFixed(3)})`);
  const mouthOff = (t: typeof eyesOnly) => Math.hypot(applySimilarity(t, turned.mouth).x - FER2013_ANCHORS.mouth.x, applySimilarity(t, turned.mouth).y - FER2013_ANCHORS.mouth.y);
  assert.ok(mouthOff(eyesOnly) > 4 && mouthOff(withMouth) < 1.5, `mouth off by ${mouthOff(eyesOnly).toFixed(2)} px (eyes) and ${mouthOff(withMouth).toFixed(2)} px (eyes and mouth)`);
  assert.ok(Math.abs(rotationOf(withMouth) + Math.PI / 6) < 0.01, `the fit still turns the face back (${(rotationOf(withMouth) * 180 / Math.PI).toFixed(2)} degrees)`);
});
