import * as ort from 'onnxruntime-node';
import { NUM_EXPRESSIONS } from '../../core/expressions.js';
import { FACE_PIXELS, FACE_SIZE, ONNX_INPUT, ONNX_OUTPUT } from '../../core/image-codec.js';

/**
 * An expression judge exported to ONNX (faceaug judge train): grey faces scaled to [0, 1] in,
 * seven logits out. Run by onnxruntime, so judging never competes with TensorFlow.js state.
 */
export interface JudgeSession {
  /** Softmax probabilities, count x 7 row-major, of `count` grey 48x48 faces. */
  probabilities(pixels: Uint8Array, count: number): Promise<Float32Array>;
  release(): Promise<void>;
}

const BATCH = 64;

export function softmaxRows(logits: Float32Array, width: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let r = 0; r < logits.length / width; r++) {
    const row = logits.subarray(r * width, (r + 1) * width);
    const max = row.reduce((m, v) => Math.max(m, v), -Infinity);
    const exps = row.map((v) => Math.exp(v - max));
    const total = exps.reduce((a, b) => a + b, 0);
    exps.forEach((e, k) => (out[r * width + k] = e / total));
  }
  return out;
}

/** Faces (n x 48 x 48, row-major) mirrored left-right. */
export function mirrorFaces(faces: Float32Array): Float32Array {
  const out = new Float32Array(faces.length);
  for (let row = 0; row < faces.length; row += FACE_SIZE) {
    for (let x = 0; x < FACE_SIZE; x++) out[row + x] = faces[row + FACE_SIZE - 1 - x]!;
  }
  return out;
}

/**
 * `testFlip`: read each face as the mean of its and its mirror image's probabilities, as the
 * judge was measured when its recipe says so (`trainer/classifier/train.ts` predictProbabilities).
 */
export async function openJudge(onnx: Uint8Array, { testFlip = false } = {}): Promise<JudgeSession> {
  const session = await ort.InferenceSession.create(onnx);
  const run = async (faces: Float32Array, n: number) => {
    const result = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', faces, [n, 1, FACE_SIZE, FACE_SIZE]) });
    return softmaxRows(result[ONNX_OUTPUT]!.data as Float32Array, NUM_EXPRESSIONS);
  };
  return {
    async probabilities(pixels, count) {
      const out = new Float32Array(count * NUM_EXPRESSIONS);
      for (let start = 0; start < count; start += BATCH) {
        const n = Math.min(BATCH, count - start);
        const input = Float32Array.from(pixels.subarray(start * FACE_PIXELS, (start + n) * FACE_PIXELS), (v) => v / 255);
        const probabilities = await run(input, n);
        if (testFlip) {
          const mirrored = await run(mirrorFaces(input), n);
          probabilities.forEach((p, k) => (probabilities[k] = (p + mirrored[k]!) / 2));
        }
        out.set(probabilities, start * NUM_EXPRESSIONS);
      }
      return out;
    },
    release: () => session.release(),
  };
}
