/**
 * npx tsx bench/paste-picture.ts [--model models/neutral-to-disgust/model.onnx] [--photo sample2.jpg] [--out docs/photos/paste-before-after.jpg]
 *
 * The README's before/after picture of paste mode: a demo photo of @vladmandic/face-api (read
 * where npm installed it), every face found, aligned, translated by a shipped ONNX translator
 * and blended back; the original on the left, the result on the right.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { decodePhoto } from '../core/faces/photo.js';
import { FacePipeline, pasteTranslations } from '../core/faces/pipeline.js';
import { FACE_PIXELS, FACE_SIZE, ONNX_INPUT, ONNX_OUTPUT, fromUnitRange, toUnitRange } from '../core/image-codec.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'models/neutral-to-disgust/model.onnx' },
    photo: { type: 'string', default: 'sample2.jpg' },
    out: { type: 'string', default: 'docs/photos/paste-before-after.jpg' },
  },
});
const demo = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo');
const photo = await decodePhoto(await readFile(join(demo, args.photo)));
const pipeline = new FacePipeline({ maxFaces: 8 });
const faces = await pipeline.align(photo, 'all').finally(() => pipeline.close());
const session = await ort.InferenceSession.create(args.model);
const input = new Float32Array(faces.length * FACE_PIXELS);
faces.forEach((face, i) => toUnitRange(face.pixels, input, i * FACE_PIXELS));
const output = (await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', input, [faces.length, 1, FACE_SIZE, FACE_SIZE]) }))[ONNX_OUTPUT]!.data as Float32Array;
await session.release();
const pasted = pasteTranslations(photo, faces.map((face, i) => ({ face, translated: fromUnitRange(output, i * FACE_PIXELS) })));
const side = (image: typeof photo) => sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).resize({ width: 800 }).png().toBuffer();
const [before, after] = await Promise.all([side(photo), side(pasted)]);
const height = (await sharp(before).metadata()).height;
await mkdir(dirname(args.out), { recursive: true });
await sharp({ create: { width: 1610, height, channels: 3, background: '#ffffff' } })
  .composite([{ input: before, left: 0, top: 0 }, { input: after, left: 810, top: 0 }])
  .jpeg({ quality: 88 })
  .toFile(args.out);
console.log(`${args.out}: ${faces.length} faces of ${args.photo} through ${args.model}`);
