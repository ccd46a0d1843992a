import { readFile, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FACE_API_EXPRESSIONS, loadFaceApi } from '../../core/faces/face-api.js';
import { decodePhoto } from '../../core/faces/photo.js';
import { FacePipeline } from '../../core/faces/pipeline.js';
import { FACE_PIXELS, FACE_SIZE, toUnitRange } from '../../core/image-codec.js';
import { loadFaceExpressionModel } from '../networks/face-expression-model.js';
import { initBackend } from '../tfjs/backend.js';
import * as tf from '../tfjs/tf.js';

/** Faces a demo photo may add: sample5.jpg, the most crowded, has five. */
const MAX_FACES_PER_PHOTO = 8;

/** A face of a demo photo, aligned, with how face-api's expression network reads it. */
export interface ShowcaseFace {
  photo: string;
  /** Its place among the photo's faces, largest first. */
  face: number;
  pixels: Uint8Array;
  /** The network's probability of neutral. */
  neutral: number;
  /** Whether neutral is the network's most probable expression. */
  readNeutral: boolean;
}

/**
 * Faces for the pictures that ship with a translator, which should show what it does to a
 * neutral face. FER2013 may not be redistributed, so they come from @vladmandic/face-api's demo
 * photos: every face the server's pipeline finds there, aligned to FER2013's framing as a served
 * photo is, read by face-api's expression network on that very 48x48 crop. The rule: faces read
 * as neutral first, then the others (the demo photos hold too few neutral faces to fill a grid:
 * their subjects mostly smile), each group by the probability of neutral, highest first; ties
 * keep photo and face order, so the choice never changes while the photos and networks do not.
 */
export async function neutralDemoFaces(count: number): Promise<ShowcaseFace[]> {
  const demo = join(dirname(loadFaceApi().modelDir), 'demo');
  const photos = (await readdir(demo)).filter((f) => /^sample\d+\.jpg$/.test(f)).sort();
  const pipeline = new FacePipeline({ maxFaces: MAX_FACES_PER_PHOTO });
  const found: Array<Omit<ShowcaseFace, 'neutral' | 'readNeutral'>> = [];
  try {
    for (const photo of photos) {
      const faces = await pipeline.align(await decodePhoto(await readFile(join(demo, photo))), 'all');
      faces.forEach(({ pixels }, face) => found.push({ photo, face, pixels }));
    }
  } finally {
    await pipeline.close();
  }
  const probabilities = await expressionProbabilities(found.map((f) => f.pixels));
  const read = found.map((face, i) => {
    const p = probabilities[i]!;
    const neutral = p[FACE_API_EXPRESSIONS.neutral]!;
    return { ...face, neutral, readNeutral: p.every((q) => q <= neutral) };
  });
  return read.sort((a, b) => Number(b.readNeutral) - Number(a.readNeutral) || b.neutral - a.neutral).slice(0, count);
}

async function expressionProbabilities(faces: Uint8Array[]): Promise<number[][]> {
  await initBackend();
  const model = await loadFaceExpressionModel();
  try {
    const batch = new Float32Array(faces.length * FACE_PIXELS);
    faces.forEach((face, i) => toUnitRange(face, batch, i * FACE_PIXELS));
    const images = tf.tensor4d(batch, [faces.length, FACE_SIZE, FACE_SIZE, 1]);
    const probabilities = tf.tidy(() => tf.softmax(model.logits(images)));
    const rows = (await probabilities.array()) as number[][];
    tf.dispose([images, probabilities]);
    return rows;
  } finally {
    model.dispose();
  }
}

/** {@link neutralDemoFaces} in [-1, 1], one after another, as the translation grid takes them. */
export async function showcaseFacesFromDemoPhotos(count: number): Promise<Float32Array> {
  const faces = await neutralDemoFaces(count);
  const out = new Float32Array(faces.length * FACE_PIXELS);
  faces.forEach(({ pixels }, i) => toUnitRange(pixels, out, i * FACE_PIXELS));
  return out;
}
