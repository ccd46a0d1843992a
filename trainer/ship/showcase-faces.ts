import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { FACE_PIXELS, FACE_SIZE, toUnitRange } from '../../core/image-codec.js';
import * as tf from '../tfjs/tf.js';
import { initBackend } from '../tfjs/backend.js';
import { loadFaceApi } from '../../core/faces/face-api.js';

/**
 * Faces for the pictures that ship with a translator. FER2013 may not be redistributed, so they
 * come from the photos in @vladmandic/face-api's demo folder instead: its SSD detector finds the
 * faces, each is cropped square around its box (a little wider, as FER2013's crops are), made
 * grey and resized to 48x48. Returns up to `count` faces in [-1, 1], in a fixed order.
 */
export async function showcaseFacesFromDemoPhotos(count: number): Promise<Float32Array> {
  await initBackend();
  const { api, modelDir } = loadFaceApi();
  await api.nets.ssdMobilenetv1.loadFromDisk(modelDir);
  const demo = join(dirname(modelDir), 'demo');
  const photos = (await readdir(demo)).filter((f) => /^sample\d+\.jpg$/.test(f)).sort();
  const faces: Uint8Array[] = [];
  for (const photo of photos) {
    if (faces.length >= count) break;
    const image = sharp(join(demo, photo)).removeAlpha();
    const { data, info } = await image.clone().raw().toBuffer({ resolveWithObject: true });
    const input = tf.tensor3d(data, [info.height, info.width, 3], 'int32');
    const detections = await api.detectAllFaces(input, new api.SsdMobilenetv1Options({ minConfidence: 0.5 }));
    input.dispose();
    for (const { box } of detections.sort((a, b) => a.box.x - b.box.x)) {
      if (faces.length >= count) break;
      const side = Math.round(Math.min(1.1 * Math.max(box.width, box.height), info.width, info.height));
      const left = Math.round(Math.min(Math.max(0, box.x + box.width / 2 - side / 2), info.width - side));
      const top = Math.round(Math.min(Math.max(0, box.y + box.height / 2 - side / 2), info.height - side));
      const grey = await image
        .clone()
        .extract({ left, top, width: side, height: side })
        .greyscale()
        .resize(FACE_SIZE, FACE_SIZE)
        .raw()
        .toBuffer();
      faces.push(new Uint8Array(grey));
    }
  }
  api.nets.ssdMobilenetv1.dispose();
  const out = new Float32Array(faces.length * FACE_PIXELS);
  faces.forEach((face, i) => toUnitRange(face, out, i * FACE_PIXELS));
  return out;
}
