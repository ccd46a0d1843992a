import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FACE_PIXELS, FACE_SIZE } from '../../core/image-codec.js';
import { seededRandom } from '../../core/random.js';
import { jitterFaces, parseJitter } from '../../trainer/gan/input-jitter.js';

const NONE = { shift: 0, degrees: 0, scale: 0 };

/** A random source that returns these values in turn (per face: mirror, turn, zoom, dx, dy; 0.5 draws the middle of a range). */
const drawing = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

/** One face, dark but for a bright pixel at (x, y). */
function dot(x: number, y: number): Float32Array {
  const face = new Float32Array(FACE_PIXELS).fill(-1);
  face[y * FACE_SIZE + x] = 1;
  return face;
}

const brightest = (face: Float32Array) => {
  const i = face.indexOf(Math.max(...face));
  return { x: i % FACE_SIZE, y: Math.floor(i / FACE_SIZE) };
};

test('--jitter takes shift,degrees,scale or none and refuses anything else', () => {
  assert.deepEqual(parseJitter('3,10,0.1'), { shift: 3, degrees: 10, scale: 0.1 });
  assert.equal(parseJitter('none'), null);
  for (const bad of ['3,10', '3,10,0.1,1', '-1,0,0', '1,2,1', 'a,b,c']) assert.throws(() => parseJitter(bad), /invalid jitter/, bad);
});

test('without a mirror or any range, a face passes through exactly; the mirror is exact too', () => {
  const face = Float32Array.from({ length: FACE_PIXELS }, (_, i) => Math.sin(i));
  assert.deepEqual(jitterFaces(face, 1, NONE, drawing(0.9, 0.5)), face);
  const mirrored = jitterFaces(face, 1, NONE, drawing(0.1, 0.5));
  for (let y = 0; y < FACE_SIZE; y++) {
    for (let x = 0; x < FACE_SIZE; x++) assert.equal(mirrored[y * FACE_SIZE + x], face[y * FACE_SIZE + FACE_SIZE - 1 - x]);
  }
});

test('the drawn move, turn and zoom are what the face undergoes', () => {
  // The largest move right (dx = +2) and none down.
  assert.deepEqual(brightest(jitterFaces(dot(30, 20), 1, { ...NONE, shift: 2 }, drawing(0.9, 0.5, 0.5, 1, 0.5))), { x: 32, y: 20 });
  // A quarter turn about the centre (24, 24): the dot's centre (34.5, 23.5) turns to (24.5, 34.5) or (23.5, 13.5).
  const turned = brightest(jitterFaces(dot(34, 23), 1, { ...NONE, degrees: 90 }, drawing(0.9, 1, 0.5, 0.5, 0.5)));
  assert.ok([JSON.stringify({ x: 24, y: 34 }), JSON.stringify({ x: 23, y: 13 })].includes(JSON.stringify(turned)), `turned to ${JSON.stringify(turned)}`);
  // 1.5x larger about the centre: the dot's centre moves to (39.75, 23.25), nearest pixel (39, 23).
  assert.deepEqual(brightest(jitterFaces(dot(34, 23), 1, { ...NONE, scale: 0.5 }, drawing(0.9, 0.5, 1, 0.5, 0.5))), { x: 39, y: 23 });
});

test('each face draws its own jitter, reproducibly from a seed, and keeps its brightness', () => {
  const faces = new Float32Array(4 * FACE_PIXELS);
  for (let i = 0; i < faces.length; i++) faces[i] = Math.sin(i / 7) * Math.cos(i / 301);
  const jitter = { shift: 3, degrees: 10, scale: 0.1 };
  const once = jitterFaces(faces, 4, jitter, seededRandom(5));
  assert.deepEqual(jitterFaces(faces, 4, jitter, seededRandom(5)), once);
  assert.notDeepEqual(jitterFaces(faces, 4, jitter, seededRandom(6)), once);
  for (let n = 0; n < 4; n++) {
    const part = (a: Float32Array) => a.subarray(n * FACE_PIXELS, (n + 1) * FACE_PIXELS);
    assert.notDeepEqual(part(once), part(faces));
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    assert.ok(Math.abs(mean(part(once)) - mean(part(faces))) < 0.1);
  }
  assert.throws(() => jitterFaces(faces, 3, jitter, seededRandom(1)), RangeError);
});
