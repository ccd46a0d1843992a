/**
 * npx tsx bench/aligner-accuracy.ts [--count 400] [--stride 89] [--json]
 *   (FER2013_CSV names fer2013.csv(.gz); without it only the demo photos are measured)
 *
 * How well the face pipeline frames a face like FER2013: align a face, then look at the aligned
 * face again with the same detector and landmark network and measure how far each eye and the
 * mouth land from where FER2013's sit (FER2013_ANCHORS), in pixels of the 48x48 crop. Both
 * alignment rules are measured on the same faces: the pipeline's least-squares fit of eyes and
 * mouth, and the eyes alone (eyes level at a fixed inter-ocular distance). The detector misses
 * most faces that fill their whole frame, as an aligned 48x48 crop does, so it is shown the crop
 * with its surroundings: the photo under the same alignment over twice the crop's extent, at
 * four pixels per crop pixel. On FER2013 faces (upscaled x4 as bench/fer-framing.ts shows them),
 * which are framed like that already, and on face-api's demo photos turned and shifted.
 */
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { ALIGNMENT_RULES, type AlignmentRule, alignmentOf } from '../core/faces/align.js';
import { anchorsOf } from '../core/faces/anchors.js';
import { loadFaceApi } from '../core/faces/face-api.js';
import { FER2013_ANCHORS } from '../core/faces/framing.js';
import { type Photo, decodePhoto } from '../core/faces/photo.js';
import { type AlignedFace, FacePipeline } from '../core/faces/pipeline.js';
import { type Similarity, applySimilarity, invertSimilarity } from '../core/faces/similarity.js';
import { type Raster, warpGrey } from '../core/faces/warp.js';
import { FACE_SIZE } from '../core/image-codec.js';
import { integer } from '../core/parsers.js';
import { ferPhoto, quantile, readFerFaces } from './fer-faces.js';

const { values: args } = parseArgs({ options: { count: { type: 'string', default: '400' }, stride: { type: 'string', default: '89' }, json: { type: 'boolean', default: false } } });
const options = { count: integer('--count', 1)(args.count), stride: integer('--stride', 1)(args.stride) };

const pipeline = new FacePipeline({ maxFaces: 8 });
const RULES = Object.keys(ALIGNMENT_RULES) as AlignmentRule[];

/** Crop pixels per pixel of the view the face is looked at again in, and the crop sizes of surroundings on each side. */
const VIEW_SCALE = 4;
const VIEW_MARGIN = FACE_SIZE / 2;

/** How far both eyes and the mouth land from FER2013's in a face's crop under `toFace`, or nothing when the detector does not find it again. */
async function anchorErrors(grey: Raster, toFace: Similarity): Promise<{ eyes: number[]; mouth: number } | undefined> {
  const side = (FACE_SIZE + 2 * VIEW_MARGIN) * VIEW_SCALE;
  const toCrop = (p: { x: number; y: number }) => ({ x: p.x / VIEW_SCALE - VIEW_MARGIN, y: p.y / VIEW_SCALE - VIEW_MARGIN });
  const fromFace = invertSimilarity(toFace);
  const view = warpGrey(grey, (p) => applySimilarity(fromFace, toCrop(p)), side, side);
  const rgb = new Uint8Array(side * side * 3);
  for (let i = 0; i < view.length; i++) rgb.fill(view[i]!, 3 * i, 3 * i + 3);
  // The surroundings may hold a neighbour's face: the one looked at is the one nearest the middle.
  const centre = side / 2;
  const distance = (f: { box: { x: number; y: number; width: number; height: number } }) => Math.hypot(f.box.x + f.box.width / 2 - centre, f.box.y + f.box.height / 2 - centre);
  const [found] = (await pipeline.detect({ data: rgb, width: side, height: side, channels: 3 })).sort((a, b) => distance(a) - distance(b));
  if (!found) return undefined;
  const anchors = anchorsOf(found.landmarks.map(toCrop));
  const off = (name: keyof typeof anchors) => Math.hypot(anchors[name].x - FER2013_ANCHORS[name].x, anchors[name].y - FER2013_ANCHORS[name].y);
  return { eyes: [off('leftEye'), off('rightEye')], mouth: off('mouth') };
}

/** Each rule's errors over a set of faces. */
class Tally {
  readonly errors = Object.fromEntries(RULES.map((rule) => [rule, { eyes: [] as number[], mouth: [] as number[] }])) as Record<AlignmentRule, { eyes: number[]; mouth: number[] }>;

  /** Measures a face the pipeline aligned under every rule, from the same landmarks. */
  async add(grey: Raster, face: AlignedFace): Promise<void> {
    for (const rule of RULES) {
      const found = await anchorErrors(grey, alignmentOf(face.landmarks, rule));
      if (!found) continue;
      this.errors[rule].eyes.push(...found.eyes);
      this.errors[rule].mouth.push(found.mouth);
    }
  }

  distributions(set: string, faces: number): Distribution[] {
    return RULES.map((rule) => ({ set, rule, faces, remeasured: this.errors[rule].mouth.length, eyes: summary(this.errors[rule].eyes), mouth: summary(this.errors[rule].mouth) }));
  }
}

/** The photo's grey levels, which the view is sampled from (the pipeline crops grey too). */
async function greyOf(photo: Photo): Promise<Raster> {
  const data = await sharp(photo.data, { raw: { width: photo.width, height: photo.height, channels: 3 } }).toColourspace('b-w').raw().toBuffer();
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: photo.width, height: photo.height, channels: 1 };
}

interface Summary {
  median: number;
  p90: number;
  max: number;
  /** Share within 1, 2 and 3 pixels of FER2013's position. */
  within: { '1px': number; '2px': number; '3px': number };
}

interface Distribution {
  set: string;
  rule: AlignmentRule;
  faces: number;
  /** Faces aligned and found again in their crop (each gives two eyes and a mouth). */
  remeasured: number;
  eyes: Summary;
  mouth: Summary;
}

function summary(errors: number[]): Summary {
  const share = (px: number) => Math.round((1000 * errors.filter((e) => e <= px).length) / Math.max(1, errors.length)) / 1000;
  const q = (p: number) => Math.round(quantile(errors, p) * 100) / 100;
  return { median: q(0.5), p90: q(0.9), max: q(1), within: { '1px': share(1), '2px': share(2), '3px': share(3) } };
}

/** FER2013 faces as photos (upscaled x4), aligned by the pipeline, and looked at again. */
async function onFer2013(path: string): Promise<Distribution[]> {
  const faces = await readFerFaces(path, options.count, options.stride);
  const tally = new Tally();
  let aligned = 0;
  for (const [i, face] of faces.entries()) {
    const photo = await ferPhoto(face.pixels);
    const [found] = await pipeline.align(photo, 'largest').catch(() => []);
    if (i % 50 === 0) console.error(`FER2013: ${i} of ${faces.length}`);
    if (!found) continue;
    aligned++;
    await tally.add(await greyOf(photo), found);
  }
  return tally.distributions(`FER2013, every ${options.stride}th face (${aligned} aligned)`, faces.length);
}

/** The demo photos turned by each angle and shifted by a fifth of their size (the edge repeated), every face aligned and looked at again. */
async function onDemoPhotos(): Promise<Distribution[]> {
  const demo = join(dirname(loadFaceApi().modelDir), 'demo');
  const photos = (await readdir(demo)).filter((f) => /^sample\d+\.jpg$/.test(f)).sort();
  const variants: Array<{ name: string; make: (jpeg: Buffer) => Promise<Buffer> }> = [
    { name: 'as they are', make: async (jpeg) => jpeg },
    ...[-30, -15, 15, 30].map((degrees) => ({ name: `turned ${degrees} degrees`, make: (jpeg: Buffer) => sharp(jpeg).rotate(degrees, { background: '#ffffff' }).jpeg({ quality: 92 }).toBuffer() })),
    {
      name: 'shifted right and down by a fifth',
      make: async (jpeg: Buffer) => {
        const { width, height } = await sharp(jpeg).metadata();
        const dx = Math.round(width / 5);
        const dy = Math.round(height / 5);
        return sharp(await sharp(jpeg).extend({ left: dx, top: dy, extendWith: 'copy' }).toBuffer())
          .extract({ left: 0, top: 0, width, height })
          .jpeg({ quality: 92 })
          .toBuffer();
      },
    },
  ];
  const results: Distribution[] = [];
  for (const variant of variants) {
    console.error(`demo photos ${variant.name}`);
    const tally = new Tally();
    let faces = 0;
    for (const name of photos) {
      const photo = await decodePhoto(await variant.make(await readFile(join(demo, name))));
      const aligned = await pipeline.align(photo, 'all').catch(() => []);
      faces += aligned.length;
      const grey = await greyOf(photo);
      for (const face of aligned) await tally.add(grey, face);
    }
    results.push(...tally.distributions(`demo photos ${variant.name}`, faces));
  }
  return results;
}

try {
  const path = process.env.FER2013_CSV;
  if (!path && !args.json) console.log('FER2013_CSV is not set: measuring the demo photos only');
  const results = [...(path ? await onFer2013(path) : []), ...(await onDemoPhotos())];
  if (args.json) for (const r of results) console.log(JSON.stringify({ bench: 'aligner-accuracy', ...r }));
  else {
    console.log('distance from FER2013_ANCHORS in the 48x48 crop, in pixels, of the eyes and the mouth of every aligned face found again');
    console.log(`${'set'.padEnd(46)} ${'rule'.padEnd(10)} faces  found   eyes: median  p90  <=2px   mouth: median  p90  <=2px`);
    const f = (v: number) => v.toFixed(2).padStart(5);
    const pct = (v: number) => `${(100 * v).toFixed(0)}%`.padStart(5);
    const row = (s: Summary) => `${f(s.median)} ${f(s.p90)} ${pct(s.within['2px'])}`;
    for (const r of results) {
      console.log(`${r.set.padEnd(46)} ${r.rule.padEnd(10)} ${String(r.faces).padStart(5)}  ${String(r.remeasured).padStart(5)}          ${row(r.eyes)}           ${row(r.mouth)}`);
    }
  }
} finally {
  await pipeline.close();
}
