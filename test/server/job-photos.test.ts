import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import sharp from 'sharp';
import { NEUTRAL_DISGUST, bearer, eventually, faceImage, registerChampion, serverTest } from './harness.js';

const DEMO = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo');

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
}
interface ManifestLine {
  input: string;
  output: string;
  face: number;
  box: Box | null;
  target: string;
  copy: number;
  modelVersion: number;
}
interface JobJson {
  id: string;
  status: string;
  faces: string;
  itemCount: number;
  counts: { pending: number; running: number; done: number; failed: number };
}

serverTest('bulk jobs take photos as /v1/translate does: each face found is an output whose manifest line names its source, face, box and model', {}, async ({ url, db, server, translateKey }) => {
  await registerChampion(db, NEUTRAL_DISGUST, 1);
  await server.engine.refresh();

  const group = new Uint8Array(await readFile(join(DEMO, 'sample1.jpg')));
  const files = {
    'group.jpg': group,
    'landscape.png': new Uint8Array(await sharp({ create: { width: 640, height: 480, channels: 3, background: '#87a0c8' } }).png().toBuffer()),
    'crop.png': new Uint8Array(await faceImage(3)),
  };
  const zip = zipSync(files);
  const run = async (query: string) => {
    const accepted = await fetch(`${url}/v1/jobs?targets=disgust&seed=7${query}`, { method: 'POST', headers: { ...bearer(translateKey), 'Content-Type': 'application/zip' }, body: zip });
    assert.equal(accepted.status, 202, await accepted.clone().text());
    const job = (await accepted.json()) as JobJson;
    assert.equal(job.itemCount, 3, 'one planned output per image before any face is searched for');
    const done = await eventually(
      `job ${query || '(defaults)'}`,
      async () => {
        const current = (await (await fetch(`${url}/v1/jobs/${job.id}`, { headers: bearer(translateKey) })).json()) as JobJson;
        return current.status === 'completed' ? current : undefined;
      },
      120_000,
    );
    const zipped = unzipSync(new Uint8Array(await (await fetch(`${url}/v1/jobs/${job.id}/result`, { headers: bearer(translateKey) })).arrayBuffer()));
    const manifest = new TextDecoder().decode(zipped['manifest.jsonl']).trim().split('\n').map((line) => JSON.parse(line) as ManifestLine);
    const summary = JSON.parse(new TextDecoder().decode(zipped['summary.json'])) as { faces: string; failures: Array<{ input: string; error: string }> };
    return { done, zipped, manifest, summary };
  };

  // The default is the largest face, as /v1/translate's.
  const largest = await run('');
  assert.equal(largest.done.faces, 'largest');
  assert.deepEqual(largest.done.counts, { pending: 0, running: 0, done: 2, failed: 1 });
  assert.deepEqual(largest.summary.failures.map((f) => f.input), ['landscape.png']);
  assert.match(largest.summary.failures[0]!.error, /^landscape\.png: no face found in the 640x480 image/);
  const crop = largest.manifest.find((m) => m.input === 'crop.png')!;
  assert.deepEqual([crop.face, crop.box], [0, null], 'a 48x48 image is an aligned face: no detection, no box');

  // All faces: the group photo's three faces become three outputs, and the job's item count grows by two.
  const all = await run('&faces=all');
  assert.equal(all.done.faces, 'all');
  assert.equal(all.done.itemCount, 5);
  assert.deepEqual(all.done.counts, { pending: 0, running: 0, done: 4, failed: 1 });
  const faces = all.manifest.filter((m) => m.input === 'group.jpg').sort((a, b) => a.face - b.face);
  assert.deepEqual(faces.map((m) => m.face), [0, 1, 2]);
  assert.deepEqual(faces.map((m) => m.output), ['disgust/00000-group-f0-0.png', 'disgust/00000-group-f1-0.png', 'disgust/00000-group-f2-0.png']);
  assert.ok(faces.every((m) => m.modelVersion === 1 && m.target === 'disgust' && m.copy === 0));
  for (const line of all.manifest) {
    const meta = await sharp(all.zipped[line.output]!).metadata();
    assert.deepEqual([meta.width, meta.height], [48, 48]);
  }
  assert.deepEqual(faces[0]!.box, largest.manifest.find((m) => m.input === 'group.jpg')!.box, 'face 0 is the largest face');

  // The boxes are the ones /v1/translate reports for the same photo, largest first.
  const answer = await fetch(`${url}/v1/translate?target=disgust&faces=all`, {
    method: 'POST',
    headers: { ...bearer(translateKey), 'Content-Type': 'image/jpeg', Accept: 'application/json' },
    body: group,
  });
  const translated = ((await answer.json()) as { faces: Array<{ box: Omit<Box, 'score'>; score: number }> }).faces;
  assert.equal(translated.length, 3);
  faces.forEach((line, i) => {
    const expected = translated[i]!;
    for (const key of ['x', 'y', 'width', 'height'] as const) assert.ok(Math.abs(line.box![key] - expected.box[key]) <= 0.05, `face ${i} ${key}: ${line.box![key]} vs ${expected.box[key]}`);
    assert.ok(Math.abs(line.box!.score - expected.score) <= 0.0005);
  });
});
