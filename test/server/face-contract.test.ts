import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { FACE_PIXELS, FACE_SIZE, ONNX_INPUT, ONNX_OUTPUT, toUnitRange } from '../../core/image-codec.js';
import { promote } from '../../db/champion.js';
import { registerModelVersion } from '../../db/registry.js';
import { loadDataset } from '../../trainer/data/dataset-store.js';
import { importImageFolder } from '../../trainer/data/import-image-folder.js';
import { GraphBuilder } from '../../trainer/onnx/graph-builder.js';
import { domainImages } from '../../trainer/gan/domains.js';
import { kernelModel } from '../../trainer/tfjs/kernels/onnxruntime/kernel-model.js';
import { NEUTRAL_DISGUST, bearer, serverTest } from './harness.js';

/** output = input: what the server answers is the very tensor its model was given, as grey levels. */
function identityOnnx(): Uint8Array {
  const g = new GraphBuilder([ONNX_INPUT, ONNX_OUTPUT]);
  const copy = g.node('Identity', 'copy', [ONNX_INPUT]);
  const shape = ['N', 1, FACE_SIZE, FACE_SIZE];
  return kernelModel(g, { [ONNX_INPUT]: shape }, { [ONNX_OUTPUT]: [copy, shape] });
}

/** A landscape gradient with a bright blob off-centre, so a stretch, a crop and a rotation each give other pixels. */
function pattern(width: number, height: number, channels: 3 | 4): Buffer {
  const pixels = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * channels;
      const blob = Math.hypot(x - width / 3, y - height / 4) < height / 5 ? 120 : 0;
      pixels[at] = Math.min(255, (x * 255) / width + blob);
      pixels[at + 1] = (y * 255) / height;
      pixels[at + 2] = ((x + y) * 3) % 256;
      // Transparent on the left, opaque on the right: flattening onto white shows.
      if (channels === 4) pixels[at + 3] = Math.round((x * 255) / (width - 1));
    }
  }
  return pixels;
}

/** A non-square PNG with alpha, and a non-square JPEG whose EXIF says "rotate 90° clockwise to view". */
async function sourceImages(): Promise<Record<string, Buffer>> {
  const png = await sharp(pattern(90, 60, 4), { raw: { width: 90, height: 60, channels: 4 } }).png().toBuffer();
  const jpeg = await sharp(pattern(100, 64, 3), { raw: { width: 100, height: 64, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
  const [pngMeta, jpegMeta] = await Promise.all([sharp(png).metadata(), sharp(jpeg).metadata()]);
  assert.deepEqual([pngMeta.width, pngMeta.height, pngMeta.hasAlpha], [90, 60, true], 'the PNG has alpha and is not square');
  assert.deepEqual([jpegMeta.width, jpegMeta.height, jpegMeta.orientation], [100, 64, 6], 'the JPEG carries an EXIF orientation');
  return { 'a-alpha.png': png, 'b-rotated.jpg': jpeg };
}

serverTest('a face imported from a folder and the same image uploaded reach the model as the same tensor', {}, async ({ url, db, server, translateKey }) => {
  const version = await registerModelVersion(db, { ...NEUTRAL_DISGUST, status: 'accepted', artifacts: [{ kind: 'onnx', bytes: identityOnnx() }] });
  await promote(db, { ...version, expectedVersion: null, actor: 'test' });
  await server.engine.refresh();

  const images = await sourceImages();
  const dir = await mkdtemp(join(tmpdir(), 'faceaug-face-contract-'));
  try {
    const folder = join(dir, 'faces', 'train', 'neutral');
    await mkdir(folder, { recursive: true });
    for (const [name, bytes] of Object.entries(images)) await writeFile(join(folder, name), bytes);
    const { manifest } = await importImageFolder(join(dir, 'faces'), { dataDir: join(dir, 'data') });
    // What the trainer feeds its generator: the imported rows of the source expression in [-1, 1], in path order.
    const trained = domainImages(await loadDataset(join(dir, 'data'), manifest.id), null, 'neutral', 'Training');
    assert.equal(trained.count, 2);

    for (const [n, [name, bytes]] of Object.entries(images).entries()) {
      // faces=none: a folder imported without --align is read as centred squares, and so is this upload.
      const response = await fetch(`${url}/v1/translate?source=neutral&target=disgust&faces=none`, { method: 'POST', headers: { ...bearer(translateKey), 'Content-Type': 'application/octet-stream' }, body: new Uint8Array(bytes) });
      assert.equal(response.status, 200, await response.clone().text());
      const served = await sharp(Buffer.from(await response.arrayBuffer())).toColourspace('b-w').raw().toBuffer();
      const reachedModel = new Float32Array(FACE_PIXELS);
      toUnitRange(new Uint8Array(served), reachedModel);
      assert.deepEqual(reachedModel, trained.images.subarray(n * FACE_PIXELS, (n + 1) * FACE_PIXELS), `${name}: the server's model input differs from the trainer's`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
