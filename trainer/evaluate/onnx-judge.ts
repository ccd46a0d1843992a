import * as ort from 'onnxruntime-node';
import { NUM_EXPRESSIONS } from '../../core/expressions.js';
import { FACE_PIXELS, FACE_SIZE, ONNX_INPUT, ONNX_OUTPUT } from '../../core/image-codec.js';
import { NO_TEST_AUGMENTATION, testViews, viewFaces, type TestAugmentation } from '../classifier/test-views.js';

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

/**
 * `augmentation`: read each face as the mean of its views' probabilities, as the judge was
 * measured when its recipe says so (`trainer/classifier/train.ts` predictProbabilities).
 */
export async function openJudge(onnx: Uint8Array, augmentation: TestAugmentation = NO_TEST_AUGMENTATION): Promise<JudgeSession> {
  const views = testViews(augmentation);
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
        // Summed in doubles, so that two views average exactly as (p + q) / 2.
        const sums = new Float64Array(n * NUM_EXPRESSIONS);
        for (const view of views) (await run(viewFaces(input, view), n)).forEach((p, k) => (sums[k]! += p));
        out.set(Float32Array.from(sums, (sum) => sum / views.length), start * NUM_EXPRESSIONS);
      }
      return out;
    },
    release: () => session.release(),
  };
}
