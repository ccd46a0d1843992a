import { availableParallelism } from 'node:os';
import sharp from 'sharp';
import { FACE_SIZE } from '../image-codec.js';
import { alignmentOf, cropAligned } from './align.js';
import type { DetectedFace } from './detector.js';
import { DetectorPool } from './detector-pool.js';
import type { FaceChoice } from './face-options.js';
import { PASTE_MASK } from './framing.js';
import { pasteChanges } from './paste.js';
import type { Photo } from './photo.js';
import type { Point, Similarity } from './similarity.js';

/** SSD looks at a 512x512 resize of whatever it gets; a photo larger than this is shrunk to it first, which costs no faces and saves the big tensor. */
const DETECTOR_SIDE = 640;

/** The least SSD confidence that counts as a face: face-api's own default, below which its detections on the demo photos are hands and patterns. */
export const MIN_FACE_SCORE = 0.5;

/** A face found in a photo, aligned: where it is and its 48x48 grey crop in FER2013's framing. */
export interface AlignedFace {
  box: DetectedFace['box'];
  score: number;
  landmarks: DetectedFace['landmarks'];
  /** Photo -> face coordinates. */
  toFace: Similarity;
  pixels: Uint8Array;
}

/** The photo has no face the detector is confident about (HTTP 422). */
export class NoFaceError extends Error {
  override name = 'NoFaceError';
}

/**
 * The face pipeline that the server, bulk jobs and `faceaug data import --align` share: detect
 * faces and their landmarks, align each to FER2013's framing, crop it 48x48 grey; and, after
 * translation, put the faces back into the photo. The detector threads (`detectorThreads`, 0 for
 * one per core; one by default) start on first use.
 */
export class FacePipeline {
  private detectors: Promise<DetectorPool> | undefined;

  constructor(private readonly options: { maxFaces: number; detectorThreads?: number }) {}

  private started(): Promise<DetectorPool> {
    const threads = this.options.detectorThreads ?? 1;
    this.detectors ??= DetectorPool.start(threads > 0 ? threads : availableParallelism(), MIN_FACE_SCORE);
    this.detectors.catch(() => (this.detectors = undefined));
    return this.detectors;
  }

  /**
   * Every face in the photo, largest first, in the photo's coordinates. SSD misses a face that
   * fills the whole frame (a close selfie, an already cropped face), so a photo without a face is
   * searched once more, centred on a grey canvas three times its size.
   */
  async detect(photo: Photo): Promise<DetectedFace[]> {
    const found = await this.search(photo, 0);
    return found.length > 0 ? found : this.search(photo, Math.max(photo.width, photo.height));
  }

  private async search(photo: Photo, pad: number): Promise<DetectedFace[]> {
    const paddedWidth = photo.width + 2 * pad;
    const paddedHeight = photo.height + 2 * pad;
    const shrink = Math.min(1, DETECTOR_SIDE / Math.max(paddedWidth, paddedHeight));
    const width = Math.max(1, Math.round(paddedWidth * shrink));
    const height = Math.max(1, Math.round(paddedHeight * shrink));
    let input = photo.data;
    if (pad > 0 || shrink < 1) {
      let image = sharp(photo.data, { raw: { width: photo.width, height: photo.height, channels: 3 } });
      if (pad > 0) image = image.extend({ top: pad, bottom: pad, left: pad, right: pad, background: { r: 128, g: 128, b: 128 } });
      // extend runs after resize in one sharp pipeline; a second pass shrinks the padded canvas.
      const padded = await image.raw().toBuffer();
      const data = shrink < 1 ? await sharp(padded, { raw: { width: paddedWidth, height: paddedHeight, channels: 3 } }).resize(width, height, { fit: 'fill' }).raw().toBuffer() : padded;
      input = new Uint8Array(data.buffer, data.byteOffset, data.length);
    }
    const kx = paddedWidth / width;
    const ky = paddedHeight / height;
    const back = (p: Point): Point => ({ x: p.x * kx - pad, y: p.y * ky - pad });
    const faces = await (await this.started()).detect(input, width, height);
    return faces
      .map((face) => {
        const corner = back(face.box);
        return {
          score: face.score,
          box: { x: corner.x, y: corner.y, width: face.box.width * kx, height: face.box.height * ky },
          landmarks: face.landmarks.map(back),
        };
      })
      .sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
  }

  /** The largest face, or the largest `maxFaces`, aligned; a photo without one is a {@link NoFaceError}. */
  async align(photo: Photo, choice: FaceChoice): Promise<AlignedFace[]> {
    const found = await this.detect(photo);
    if (found.length === 0) throw new NoFaceError(`no face found in the ${photo.width}x${photo.height} image (the detector's confidence must reach ${MIN_FACE_SCORE})`);
    const kept = found.slice(0, choice === 'largest' ? 1 : this.options.maxFaces);
    return Promise.all(
      kept.map(async (face) => {
        const toFace = alignmentOf(face.landmarks);
        return { ...face, toFace, pixels: await cropAligned(photo, toFace) };
      }),
    );
  }

  /** TensorFlow.js tensors alive on the detector threads (for leak checks). */
  async tensorCount(): Promise<number> {
    return (await this.started()).tensorCount();
  }

  async close(): Promise<void> {
    const detectors = this.detectors;
    this.detectors = undefined;
    if (detectors) await (await detectors.catch(() => undefined))?.close();
  }
}

/** The photo with every translated face blended back in place of its original (see {@link pasteChanges}). */
export function pasteTranslations(photo: Photo, faces: ReadonlyArray<{ face: AlignedFace; translated: Uint8Array }>): Photo {
  const changes = faces.map(({ face, translated }) => {
    const delta = new Float32Array(FACE_SIZE * FACE_SIZE);
    for (let i = 0; i < delta.length; i++) delta[i] = translated[i]! - face.pixels[i]!;
    return { toFace: face.toFace, delta, size: FACE_SIZE };
  });
  return { ...pasteChanges(photo, changes, PASTE_MASK), channels: 3 };
}
