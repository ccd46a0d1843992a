import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { Expression } from '../expressions.js';

/**
 * @vladmandic/face-api's pre-trained networks, whose weights ship inside the npm package
 * (nothing is downloaded). Its `node-wasm` build uses the process's one @tensorflow/tfjs
 * instance, so its networks run, and differentiate, on whichever backend that thread set: the
 * trainer's initBackend(), or the face detector's own worker thread (core/faces/detector.ts).
 */
interface Network {
  loadFromDisk(dir: string): Promise<void>;
  dispose(): void;
}
export interface ExpressionNet extends Network {
  faceFeatureExtractor: { forwardInput(input: unknown): tf.Tensor4D };
  /** The expression classifier's logits, one column per class in FACE_API_EXPRESSIONS order. */
  runNet(input: unknown): tf.Tensor2D;
}

/** Where each expression sits among face-api's classifier outputs (its labels: neutral, happy, sad, angry, fearful, disgusted, surprised). */
export const FACE_API_EXPRESSIONS: Record<Expression, number> = { neutral: 0, happy: 1, sad: 2, angry: 3, fear: 4, disgust: 5, surprise: 6 };
export interface RecognitionNet extends Network {
  forwardInput(input: unknown): tf.Tensor2D;
}
export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface FaceDetection {
  box: FaceBox;
  score: number;
}
/** A detection with its 68 landmarks (iBUG order), in the input image's pixel coordinates. */
export interface LandmarkedDetection {
  detection: FaceDetection;
  landmarks: { positions: Array<{ x: number; y: number }> };
}
export interface FaceApi {
  tf: typeof tf;
  NetInput: new (inputs: tf.Tensor3D[], treatAsBatchInput: boolean) => unknown;
  nets: { ssdMobilenetv1: Network; faceLandmark68Net: Network };
  SsdMobilenetv1Options: new (options: { minConfidence: number; maxResults?: number }) => unknown;
  detectAllFaces(input: tf.Tensor3D, options: unknown): Promise<FaceDetection[]> & { withFaceLandmarks(): Promise<LandmarkedDetection[]> };
  FaceExpressionNet: new () => ExpressionNet;
  FaceRecognitionNet: new () => RecognitionNet;
}

const require = createRequire(import.meta.url);

export function loadFaceApi(): { api: FaceApi; modelDir: string } {
  const api = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
  const modelDir = join(dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
  return { api, modelDir };
}
