import sharp from 'sharp';
import { FACE_SIZE } from '../image-codec.js';
import { type Anchors, anchorsOf } from './anchors.js';
import { FER2013_ANCHORS } from './framing.js';
import type { Photo } from './photo.js';
import { applySimilarity, boundsOf, fitSimilarity, invertSimilarity, scaleOf, type Point, type Similarity } from './similarity.js';
import { warpGrey } from './warp.js';

/** Bilinear sampling needs each sample's neighbours: the region cut from the photo is this much wider than the face frame. */
const MARGIN = 2;

const FRAME: Point[] = [
  { x: 0, y: 0 },
  { x: FACE_SIZE, y: 0 },
  { x: 0, y: FACE_SIZE },
  { x: FACE_SIZE, y: FACE_SIZE },
];

/**
 * Which anchors an alignment fits onto FER2013's: `eyes` levels the eyes and fixes the
 * inter-ocular distance exactly; `eyes-mouth` (the pipeline's) fits eyes and mouth by least
 * squares. The eye distance shrinks as a face turns, so `eyes` blows a turned face up and pushes
 * its mouth down out of place; the mouth keeps it at its size, and the fit still levels the eyes
 * (`npm run bench:align` measures both).
 */
export const ALIGNMENT_RULES = {
  eyes: ['leftEye', 'rightEye'],
  'eyes-mouth': ['leftEye', 'rightEye', 'mouth'],
} as const satisfies Record<string, ReadonlyArray<keyof Anchors>>;
export type AlignmentRule = keyof typeof ALIGNMENT_RULES;

/** The transform from photo to 48x48 face coordinates that puts a face's anchors where FER2013's sit. */
export function alignmentOf(landmarks: readonly Point[], rule: AlignmentRule = 'eyes-mouth'): Similarity {
  const anchors = anchorsOf(landmarks);
  const names = ALIGNMENT_RULES[rule];
  return fitSimilarity(
    names.map((name) => anchors[name]),
    names.map((name) => FER2013_ANCHORS[name]),
  );
}

/**
 * The 48x48 grey face that `toFace` frames. The part of the photo under the frame is cut out and
 * shrunk by libvips (Lanczos, so a face of hundreds of pixels does not alias) to about one pixel
 * per face pixel, then rotated into place bilinearly. Beyond the photo's border its edge repeats.
 */
export async function cropAligned(photo: Photo, toFace: Similarity): Promise<Uint8Array> {
  const fromFace = invertSimilarity(toFace);
  const frame = boundsOf(fromFace, FRAME);
  const x0 = Math.max(0, Math.min(photo.width - 1, Math.floor(frame.x0) - MARGIN));
  const y0 = Math.max(0, Math.min(photo.height - 1, Math.floor(frame.y0) - MARGIN));
  const x1 = Math.min(photo.width, Math.max(x0 + 1, Math.ceil(frame.x1) + MARGIN));
  const y1 = Math.min(photo.height, Math.max(y0 + 1, Math.ceil(frame.y1) + MARGIN));
  const width = x1 - x0;
  const height = y1 - y0;
  const shrink = Math.min(1, scaleOf(toFace));
  const outWidth = Math.max(1, Math.round(width * shrink));
  const outHeight = Math.max(1, Math.round(height * shrink));
  let region = sharp(photo.data, { raw: { width: photo.width, height: photo.height, channels: photo.channels } }).extract({ left: x0, top: y0, width, height });
  if (outWidth !== width || outHeight !== height) region = region.resize(outWidth, outHeight, { fit: 'fill', kernel: 'lanczos3' });
  const grey = await region.toColourspace('b-w').raw().toBuffer();
  const kx = outWidth / width;
  const ky = outHeight / height;
  return warpGrey({ data: new Uint8Array(grey.buffer, grey.byteOffset, grey.length), width: outWidth, height: outHeight, channels: 1 }, (uv) => {
    const p = applySimilarity(fromFace, uv);
    return { x: (p.x - x0) * kx, y: (p.y - y0) * ky };
  }, FACE_SIZE, FACE_SIZE);
}
