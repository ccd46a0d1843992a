import * as ort from 'onnxruntime-node';
import { FACE_PIXELS, FACE_SIZE, ONNX_INPUT, ONNX_OUTPUT, fromUnitRange } from '../../core/image-codec.js';
import { imageGridPng } from '../report/image-grid.js';

/**
 * Runs an exported ONNX generator (NCHW [N,1,48,48] in [-1, 1]) on `faces` and tiles inputs above
 * outputs: the picture of what the shipped artifact itself does, not the training checkpoint.
 */
export async function onnxTranslationGrid(onnx: Uint8Array, faces: Float32Array): Promise<Buffer> {
  const count = faces.length / FACE_PIXELS;
  const session = await ort.InferenceSession.create(onnx);
  try {
    const input = new ort.Tensor('float32', faces, [count, 1, FACE_SIZE, FACE_SIZE]);
    const outputs = await session.run({ [ONNX_INPUT]: input });
    const translated = outputs[ONNX_OUTPUT]!.data as Float32Array;
    const row = (values: Float32Array) => Array.from({ length: count }, (_, i) => fromUnitRange(values, i * FACE_PIXELS));
    return imageGridPng([row(faces), row(translated)], { side: FACE_SIZE, scale: 2 });
  } finally {
    await session.release();
  }
}
