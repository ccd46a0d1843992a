import type { Point } from './similarity.js';

/** The three points a face is aligned by: both eye centres (`leftEye` is the one on the image's left) and the mouth centre. */
export interface Anchors {
  leftEye: Point;
  rightEye: Point;
  mouth: Point;
}

const mean = (points: readonly Point[], from: number, to: number): Point => {
  const part = points.slice(from, to);
  return { x: part.reduce((s, p) => s + p.x, 0) / part.length, y: part.reduce((s, p) => s + p.y, 0) / part.length };
};

/** The anchors of 68 iBUG landmarks: the means of points 36-41, 42-47 and the 20 mouth points 48-67. */
export function anchorsOf(landmarks: readonly Point[]): Anchors {
  if (landmarks.length !== 68) throw new RangeError(`expected 68 landmarks, got ${landmarks.length}`);
  return { leftEye: mean(landmarks, 36, 42), rightEye: mean(landmarks, 42, 48), mouth: mean(landmarks, 48, 68) };
}
