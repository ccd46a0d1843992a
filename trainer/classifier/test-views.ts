import { FACE_PIXELS, FACE_SIZE } from '../../core/image-codec.js';
import { placeInto, type Placement } from './augment.js';

/** Test-time augmentation: how many views of each face a classifier's probabilities are averaged over. */
export interface TestAugmentation {
  /** Each view also mirrored left-right. */
  testFlip: boolean;
  /** Also moved by this many pixels up, down, left and right (0: not moved). */
  testShift: number;
}

export const NO_TEST_AUGMENTATION: TestAugmentation = { testFlip: false, testShift: 0 };

/**
 * The views of a face that `augmentation` averages, the face as it is first: 1, 2 (mirrored), 5
 * (moved) or 10 (both). Moves stay within what training's `--shift` showed the classifier.
 */
export function testViews({ testFlip, testShift }: TestAugmentation): Placement[] {
  const moves = testShift > 0 ? [[0, 0], [testShift, 0], [-testShift, 0], [0, testShift], [0, -testShift]] : [[0, 0]];
  return moves.flatMap(([dx, dy]) => (testFlip ? [false, true] : [false]).map((mirror) => ({ mirror, dx: dx!, dy: dy! })));
}

/** Faces (n x 48 x 48, row-major) placed as `view` says; the faces themselves when it changes nothing. */
export function viewFaces(faces: Float32Array, view: Placement): Float32Array {
  if (!view.mirror && view.dx === 0 && view.dy === 0) return faces;
  const out = new Float32Array(faces.length);
  for (let start = 0; start < faces.length; start += FACE_PIXELS) {
    placeInto(faces.subarray(start, start + FACE_PIXELS), out.subarray(start, start + FACE_PIXELS), FACE_SIZE, view);
  }
  return out;
}
