import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../../trainer/tfjs/tf.js';
import '@tensorflow/tfjs-backend-wasm';
import { CONV_ENGINES, registerWasmTrainingKernels } from '../../trainer/tfjs/kernels/index.js';
import { assertNoLeak, relativeError, seededValues } from '../helpers/tensors.js';

const TOLERANCE = 1e-4;

interface Case {
  batch: number;
  size: [number, number];
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: 1 | 2;
  pad: 'same' | 'valid' | number;
}

const cases: Case[] = [
  { batch: 2, size: [12, 12], inChannels: 16, outChannels: 8, kernel: 3, stride: 1, pad: 'same' },
  { batch: 2, size: [12, 12], inChannels: 16, outChannels: 8, kernel: 3, stride: 2, pad: 'same' },
  { batch: 1, size: [13, 11], inChannels: 5, outChannels: 7, kernel: 3, stride: 1, pad: 'valid' },
  { batch: 3, size: [11, 14], inChannels: 6, outChannels: 4, kernel: 3, stride: 2, pad: 'valid' },
  { batch: 2, size: [20, 20], inChannels: 3, outChannels: 8, kernel: 7, stride: 1, pad: 'same' },
  { batch: 1, size: [21, 18], inChannels: 4, outChannels: 2, kernel: 7, stride: 2, pad: 'valid' },
  { batch: 2, size: [16, 16], inChannels: 8, outChannels: 12, kernel: 7, stride: 2, pad: 'same' },
  { batch: 2, size: [16, 16], inChannels: 4, outChannels: 16, kernel: 4, stride: 2, pad: 'same' },
  { batch: 1, size: [9, 9], inChannels: 32, outChannels: 1, kernel: 4, stride: 1, pad: 'valid' },
  // PatchGAN's 4x4 convolutions with one pixel of zero padding.
  { batch: 2, size: [12, 12], inChannels: 8, outChannels: 16, kernel: 4, stride: 2, pad: 1 },
  { batch: 2, size: [6, 6], inChannels: 16, outChannels: 8, kernel: 4, stride: 1, pad: 1 },
  // A generator's first layer: one input channel, 7x7, after reflection padding.
  { batch: 2, size: [22, 22], inChannels: 1, outChannels: 8, kernel: 7, stride: 1, pad: 'valid' },
];

/** conv(x, w), the gradients of sum(conv(x, w) * weights) and of the transposed conv, on the current backend. */
function gradients(c: Case, seed: number) {
  const [h, w] = c.size;
  const xShape: [number, number, number, number] = [c.batch, h, w, c.inChannels];
  const fShape: [number, number, number, number] = [c.kernel, c.kernel, c.inChannels, c.outChannels];
  const x = tf.tensor4d(seededValues(tf.util.sizeFromShape(xShape), seed), xShape);
  const filter = tf.tensor4d(seededValues(tf.util.sizeFromShape(fShape), seed + 1), fShape);
  const y = tf.conv2d(x, filter, c.stride, c.pad);
  const weights = tf.tensor(seededValues(y.size, seed + 2), y.shape);
  const [dx, dFilter] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), weights)),
  )([x, filter]);
  // conv2dTranspose runs Conv2DBackpropInput forward, and its gradients run the others.
  const [dyT, dFilterT] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, xShape, c.stride, c.pad), x)),
  )([y, filter]);
  const upsampled = tf.conv2dTranspose(y as tf.Tensor4D, filter, xShape, c.stride, c.pad);
  const out = { y, dx, dFilter, dyT, dFilterT, upsampled };
  const values = Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.dataSync().slice()]));
  tf.dispose([x, filter, weights, ...Object.values(out)]);
  return values;
}

for (const engine of CONV_ENGINES) {
  test(`wasm convolutions and their gradients on ${engine} match the cpu backend`, async (t) => {
    await tf.setBackend('wasm');
    assert.equal(registerWasmTrainingKernels(engine, 2).engine, engine);
    for (const [i, c] of cases.entries()) {
      await t.test(`${c.kernel}x${c.kernel} stride ${c.stride} ${c.pad} ${JSON.stringify(c.size)} ${c.inChannels}->${c.outChannels}`, async () => {
        await tf.setBackend('cpu');
        const expected = gradients(c, 100 * i);
        await tf.setBackend('wasm');
        const actual = await assertNoLeak(() => gradients(c, 100 * i));
        for (const key of Object.keys(expected)) {
          const error = relativeError(actual[key]!, expected[key]!);
          assert.ok(error <= TOLERANCE, `${key}: relative error ${error.toExponential(2)} > ${TOLERANCE}`);
        }
      });
    }
  });
}

interface DepthwiseCase {
  size: [number, number];
  channels: number;
  multiplier: number;
  kernel: number;
  stride: 1 | 2;
  pad: 'same' | 'valid';
}

const depthwiseCases: DepthwiseCase[] = [
  { size: [9, 9], channels: 6, multiplier: 1, kernel: 3, stride: 1, pad: 'same' },
  { size: [10, 11], channels: 4, multiplier: 2, kernel: 3, stride: 2, pad: 'same' },
  { size: [12, 12], channels: 3, multiplier: 1, kernel: 7, stride: 2, pad: 'valid' },
];

test('wasm depthwise-convolution input gradient matches the cpu backend', async (t) => {
  for (const [i, c] of depthwiseCases.entries()) {
    await t.test(`${c.kernel}x${c.kernel} stride ${c.stride} ${c.pad} x${c.multiplier}`, async () => {
      const xShape: [number, number, number, number] = [2, ...c.size, c.channels];
      const fShape: [number, number, number, number] = [c.kernel, c.kernel, c.channels, c.multiplier];
      const run = () =>
        tf.tidy(() => {
          const x = tf.tensor4d(seededValues(tf.util.sizeFromShape(xShape), 900 + i), xShape);
          const filter = tf.tensor4d(seededValues(tf.util.sizeFromShape(fShape), 950 + i), fShape);
          const y = tf.depthwiseConv2d(x, filter, c.stride, c.pad);
          const weights = tf.tensor(seededValues(y.size, 990 + i), y.shape);
          return tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.depthwiseConv2d(v as tf.Tensor4D, filter, c.stride, c.pad), weights)))(x).dataSync().slice();
        });
      await tf.setBackend('cpu');
      const expected = run();
      await tf.setBackend('wasm');
      const actual = await assertNoLeak(run);
      const error = relativeError(actual, expected);
      assert.ok(error <= TOLERANCE, `relative error ${error.toExponential(2)} > ${TOLERANCE}`);
    });
  }
});
