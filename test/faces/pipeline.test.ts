import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { anchorsOf } from '../../core/faces/anchors.js';
import { FER2013_ANCHORS } from '../../core/faces/framing.js';
import { decodePhoto } from '../../core/faces/photo.js';
import { FacePipeline, NoFaceError } from '../../core/faces/pipeline.js';
import { applySimilarity, rotationOf } from '../../core/faces/similarity.js';

const DEMO = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo');

test('the pipeline finds the demo faces, levels a rotated photo\'s faces, frames them like FER2013, and leaks no tensors on its detector thread', async () => {
  const pipeline = new FacePipeline({ maxFaces: 3 });
  try {
    const sample = await readFile(join(DEMO, 'sample1.jpg'));
    const upright = await pipeline.align(await decodePhoto(sample), 'all');
    assert.equal(upright.length, 3);
    assert.equal((await pipeline.align(await decodePhoto(sample), 'largest')).length, 1);
    const tensors = await pipeline.tensorCount();

    // The same photo turned 20 degrees clockwise: each face's alignment turns it back by about as
    // much more (within 8 degrees: the landmark network underestimates a steep tilt; the -44 degree face comes back at -58).
    const turned = await decodePhoto(await sharp(sample).rotate(20, { background: '#ffffff' }).jpeg().toBuffer());
    const faces = await pipeline.align(turned, 'all');
    const degrees = (face: (typeof faces)[number]) => rotationOf(face.toFace) * (180 / Math.PI);
    for (const face of upright) {
      const closest = Math.min(...faces.map((other) => Math.abs(degrees(other) - degrees(face) + 20)));
      assert.ok(closest < 8, `a face aligned at ${degrees(face).toFixed(1)} degrees has no counterpart near ${(degrees(face) - 20).toFixed(1)} in the turned photo`);
    }

    // Each face's own landmarks, carried into its crop, put the eyes and mouth where FER2013's sit
    // (what is left is the fit's residual: a real face is not FER2013's mean face).
    for (const face of upright) {
      const anchors = anchorsOf(face.landmarks.map((p) => applySimilarity(face.toFace, p)));
      for (const name of ['leftEye', 'rightEye', 'mouth'] as const) {
        const off = Math.hypot(anchors[name].x - FER2013_ANCHORS[name].x, anchors[name].y - FER2013_ANCHORS[name].y);
        assert.ok(off < 3, `${name} lands ${off.toFixed(2)} px from FER2013's`);
      }
    }

    const blank = await decodePhoto(await sharp({ create: { width: 320, height: 240, channels: 3, background: '#ffffff' } }).png().toBuffer());
    await assert.rejects(pipeline.align(blank, 'largest'), NoFaceError);
    assert.equal(await pipeline.tensorCount(), tensors, 'tensors alive on the detector thread after four more detections');
  } finally {
    await pipeline.close();
  }
});
