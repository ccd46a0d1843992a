import * as ort from 'onnxruntime-node';
import { IMAGE_SIDE, PIXELS_PER_IMAGE } from '../data/format.js';
import { imageGridPng, toGrey } from '../report/image-grid.js';

/**
 * Runs an exported ONNX generator (NCHW [N,1,48,48] in [-1, 1]) on `faces` and tiles inputs above
 * outputs: the picture of what the shipped artifact itself does, not the training checkpoint.
 */
export async function onnxTranslationGrid(onnx: Uint8Array, faces: Float32Array): Promise<Buffer> {
  const count = faces.length / PIXELS_PER_IMAGE;
  const session = await ort.InferenceSession.create(onnx);
  try {
    const input = new ort.Tensor('float32', faces, [count, 1, IMAGE_SIDE, IMAGE_SIDE]);
    const { output } = await session.run({ input });
    const translated = output!.data as Float32Array;
    const row = (values: Float32Array) => Array.from({ length: count }, (_, i) => toGrey(values.subarray(i * PIXELS_PER_IMAGE, (i + 1) * PIXELS_PER_IMAGE)));
    return imageGridPng([row(faces), row(translated)], { side: IMAGE_SIDE, scale: 2 });
  } finally {
    await session.release();
  }
}
