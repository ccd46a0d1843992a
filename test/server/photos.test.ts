import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { NEUTRAL_DISGUST, bearer, registerChampion, serverTest } from './harness.js';

/** face-api's demo photos, read where the package installed them (they are not copied into this repository). */
const DEMO = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo');

interface FaceJson {
  box: { x: number; y: number; width: number; height: number };
  score: number;
  landmarks: Array<[number, number]>;
  image: string;
}

/** A head-and-shoulders photo: one face of a demo photo cut out with its box's size of room around it. */
async function portrait(photo: Buffer, box: FaceJson['box']): Promise<{ png: Buffer; width: number; height: number }> {
  const meta = await sharp(photo).metadata();
  const left = Math.max(0, Math.round(box.x - box.width));
  const top = Math.max(0, Math.round(box.y - box.height));
  const width = Math.min(meta.width - left, Math.round(3 * box.width));
  const height = Math.min(meta.height - top, Math.round(3 * box.height));
  return { png: await sharp(photo).extract({ left, top, width, height }).png().toBuffer(), width, height };
}

const post = (url: string, key: string, query: string, body: Uint8Array<ArrayBuffer>, accept?: string) =>
  fetch(`${url}/v1/translate?target=disgust&${query}`, {
    method: 'POST',
    headers: { ...bearer(key), 'Content-Type': 'application/octet-stream', ...(accept ? { Accept: accept } : {}) },
    body,
  });

serverTest('photos: faces are found, aligned and translated; paste changes only the face; a face-less photo is a 422', {}, async ({ url, db, server, translateKey }) => {
  await registerChampion(db, NEUTRAL_DISGUST, 1);
  await server.engine.refresh();

  // A group photo, as JSON: every face (largest first) with its box, 68 landmarks, score and image.
  // The server blocks libvips' file loaders process-wide, so photos are read into buffers first.
  const sample = await readFile(join(DEMO, 'sample1.jpg'));
  const group = new Uint8Array(sample);
  const all = await post(url, translateKey, 'faces=all', group, 'application/json');
  assert.equal(all.status, 200, await all.clone().text());
  const body = (await all.json()) as { faces: FaceJson[]; image: string };
  assert.equal(all.headers.get('x-faces'), '3');
  assert.equal(body.faces.length, 3);
  const areas = body.faces.map((f) => f.box.width * f.box.height);
  assert.deepEqual(areas, [...areas].sort((a, b) => b - a), 'largest first');
  for (const face of body.faces) {
    assert.ok(face.score >= 0.5 && face.score <= 1);
    assert.equal(face.landmarks.length, 68);
    const inside = face.landmarks.filter(([x, y]) => x >= face.box.x - 10 && x <= face.box.x + face.box.width + 10 && y >= face.box.y - 10 && y <= face.box.y + face.box.height + 10);
    assert.ok(inside.length >= 60, 'landmarks lie on their face');
    const meta = await sharp(Buffer.from(face.image, 'base64')).metadata();
    assert.deepEqual([meta.width, meta.height, meta.channels], [48, 48, 1]);
  }
  assert.equal(body.image, body.faces[0]!.image, 'in crop mode the image is the largest face');
  // Several faces cannot be one image/png answer.
  const refused = await post(url, translateKey, 'faces=all', group);
  assert.equal(refused.status, 406);
  assert.match(((await refused.json()) as { detail: string }).detail, /Accept: application\/json/);

  // A face at the edge of a large photo: the portrait pasted into the right edge of a 2400x1600 canvas.
  const { png, width, height } = await portrait(sample, body.faces[0]!.box);
  const canvas = await sharp({ create: { width: 2400, height: 1600, channels: 3, background: '#6b8f71' } })
    .composite([{ input: png, left: 2400 - width, top: 1600 - height - 40 }])
    .png()
    .toBuffer();
  const edge = await post(url, translateKey, 'size=96', new Uint8Array(canvas), 'application/json');
  assert.equal(edge.status, 200, await edge.clone().text());
  const [found] = ((await edge.json()) as { faces: FaceJson[] }).faces;
  assert.ok(found!.box.x > 2400 - width && found!.box.y > 1600 - height - 40, `the face at ${JSON.stringify(found!.box)} lies in the pasted portrait`);
  assert.equal((await sharp(Buffer.from(found!.image, 'base64')).metadata()).width, 96);

  // Rotated 25 degrees: still found.
  const rotated = await sharp(png).rotate(25, { background: '#ffffff' }).png().toBuffer();
  const turned = await post(url, translateKey, '', new Uint8Array(rotated));
  assert.equal(turned.status, 200, await turned.clone().text());
  assert.equal(turned.headers.get('x-faces'), '1');

  // Paste: the photo at its own size, in colour, different from the input only around the face.
  const pasted = await post(url, translateKey, 'mode=paste', new Uint8Array(png));
  assert.equal(pasted.status, 200, await pasted.clone().text());
  const out = await sharp(Buffer.from(await pasted.arrayBuffer())).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([out.info.width, out.info.height, out.info.channels], [width, height, 3]);
  const input = await sharp(png).removeAlpha().raw().toBuffer();
  const json = (await (await post(url, translateKey, '', new Uint8Array(png), 'application/json')).json()) as { faces: FaceJson[] };
  const box = json.faces[0]!.box;
  let changedInside = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const differs = out.data[i] !== input[i] || out.data[i + 1] !== input[i + 1] || out.data[i + 2] !== input[i + 2];
      if (!differs) continue;
      const near = x >= box.x - 0.35 * box.width && x <= box.x + 1.35 * box.width && y >= box.y - 0.35 * box.height && y <= box.y + 1.35 * box.height;
      assert.ok(near, `pixel (${x}, ${y}) changed, away from the face at ${JSON.stringify(box)}`);
      changedInside++;
      // The change is the same on every channel: a luminance change, colour kept.
      assert.ok(Math.abs(out.data[i]! - input[i]! - (out.data[i + 1]! - input[i + 1]!)) <= 1, 'equal shift on R and G');
    }
  }
  assert.ok(changedInside > 0.2 * box.width * box.height, `${changedInside} pixels changed around the face`);

  // A photo without a face: 422 naming the reason.
  const landscape = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#87a0c8' } }).png().toBuffer();
  const none = await post(url, translateKey, '', new Uint8Array(landscape));
  assert.equal(none.status, 422);
  assert.equal(none.headers.get('content-type'), 'application/problem+json');
  const problem = (await none.json()) as { type: string; detail: string };
  assert.equal(problem.type, '/docs#problem-no-face');
  assert.match(problem.detail, /no face found in the 640x480 image/);

  // faces=none keeps the old centre-square behaviour for any size: no detection, no faces listed.
  const square = await post(url, translateKey, 'faces=none', new Uint8Array(landscape), 'application/json');
  assert.equal(square.status, 200);
  assert.equal(((await square.json()) as { faces?: unknown }).faces, undefined);
  assert.equal(square.headers.get('x-faces'), null);
});
