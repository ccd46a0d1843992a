import { FACE_SIZE, FACE_PIXELS } from '../../core/image-codec.js';
import * as tf from '../tfjs/tf.js';
import { loadFaceApi, type ExpressionNet, type RecognitionNet } from '../../core/faces/face-api.js';
import type { Progress } from '../data/import-options.js';

/**
 * Face embeddings from @vladmandic/face-api's pre-trained networks, whose weights ship inside the
 * npm package (nothing is downloaded). Its `node-wasm` build loads the same @tensorflow/tfjs
 * instance as trainer/tfjs, so it runs on whichever backend initBackend() chose.
 *
 * - `expression`: the 256-d pooled features under the expression classifier's last layer (input
 *   112x112). Expression-aware, so a per-class Gaussian measures how typical a face is of its
 *   annotated expression; 3x faster than `recognition` here.
 * - `recognition`: the 128-d face descriptor of the ResNet-34-like recognition network (input
 *   150x150). Identity-oriented: finds non-faces and odd crops, blind to expression.
 */
export const EMBEDDINGS = {
  expression: { dim: 256, inputSide: 112 },
  recognition: { dim: 128, inputSide: 150 },
} as const;
export type EmbeddingName = keyof typeof EMBEDDINGS;

export function parseEmbeddingName(raw: string): EmbeddingName {
  if (raw in EMBEDDINGS) return raw as EmbeddingName;
  throw new RangeError(`unknown embedding '${raw}' (expected ${Object.keys(EMBEDDINGS).join(', ')})`);
}

export interface EmbedOptions {
  batchSize?: number;
  onProgress?: Progress;
}

/**
 * Embeds `count` 48x48 grey images (row-major, count x 2304 bytes) into a count x dim Float32Array.
 * Grey levels are repeated into the three channels the networks expect and resized bilinearly.
 */
export async function embedFaces(name: EmbeddingName, pixels: Uint8Array, count: number, options: EmbedOptions = {}): Promise<Float32Array> {
  const { dim, inputSide } = EMBEDDINGS[name];
  const batchSize = options.batchSize ?? 64;
  const { api, modelDir } = loadFaceApi();
  const net = name === 'expression' ? new api.FaceExpressionNet() : new api.FaceRecognitionNet();
  await net.loadFromDisk(modelDir);
  const forward = (input: unknown): tf.Tensor =>
    name === 'expression' ? (net as ExpressionNet).faceFeatureExtractor.forwardInput(input) : (net as RecognitionNet).forwardInput(input);
  const out = new Float32Array(count * dim);
  try {
    for (let start = 0; start < count; start += batchSize) {
      const size = Math.min(batchSize, count - start);
      const batch = pixels.subarray(start * FACE_PIXELS, (start + size) * FACE_PIXELS);
      const images = tf.tidy(() => {
        const grey = tf.tensor4d(batch, [size, FACE_SIZE, FACE_SIZE, 1], 'int32').toFloat();
        const rgb = tf.tile(grey, [1, 1, 1, 3]);
        return tf.unstack(tf.image.resizeBilinear(rgb as tf.Tensor4D, [inputSide, inputSide])) as tf.Tensor3D[];
      });
      const features = forward(new api.NetInput(images, true));
      out.set(await features.data(), start * dim);
      features.dispose();
      tf.dispose(images);
      options.onProgress?.(start + size, count);
    }
  } finally {
    net.dispose();
  }
  return out;
}
