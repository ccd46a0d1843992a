/**
 * npx tsx bench/fer-framing.ts [--count 2000] [--stride 17]   (FER2013_CSV must name fer2013.csv(.gz))
 *
 * Measures FER2013's framing: where the eyes and mouth sit in its 48x48 crops, by running the
 * pipeline's own detector and landmark network on upscaled FER2013 faces. Its medians are the
 * pipeline's FER2013_ANCHORS (core/faces/framing.ts).
 */
import { parseArgs } from 'node:util';
import { anchorsOf, type Anchors } from '../core/faces/anchors.js';
import { FacePipeline } from '../core/faces/pipeline.js';
import { integer } from '../core/parsers.js';
import { ferPhoto, quantile, readFerFaces, toCrop } from './fer-faces.js';

const { values: args } = parseArgs({ options: { count: { type: 'string', default: '2000' }, stride: { type: 'string', default: '17' } } });
const options = { count: integer('--count', 1)(args.count), stride: integer('--stride', 1)(args.stride) };

const path = process.env.FER2013_CSV;
if (!path) throw new Error('set FER2013_CSV to the fer2013.csv(.gz) file');
const faces = await readFerFaces(path, options.count, options.stride);
const pipeline = new FacePipeline({ maxFaces: 1 });
const measured: Anchors[] = [];
try {
  for (const face of faces) {
    const [found] = await pipeline.detect(await ferPhoto(face.pixels));
    if (found) {
      measured.push(anchorsOf(found.landmarks.map(toCrop)));
    }
  }
} finally {
  await pipeline.close();
}
console.log(`faces: ${faces.length}, detected: ${measured.length} (${((100 * measured.length) / faces.length).toFixed(1)}%)`);
console.log('anchor      median x  median y   IQR x          IQR y');
for (const name of ['leftEye', 'rightEye', 'mouth'] as const) {
  const xs = measured.map((a) => a[name].x);
  const ys = measured.map((a) => a[name].y);
  const f = (v: number) => v.toFixed(2).padStart(6);
  console.log(`${name.padEnd(10)} ${f(quantile(xs, 0.5))}    ${f(quantile(ys, 0.5))}    ${f(quantile(xs, 0.25))}-${f(quantile(xs, 0.75))}  ${f(quantile(ys, 0.25))}-${f(quantile(ys, 0.75))}`);
}
