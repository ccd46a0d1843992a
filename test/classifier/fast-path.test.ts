import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../../trainer/tfjs/tf.js';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../../trainer/tfjs/kernels/index.js';
import { batchNormTraining } from '../../trainer/networks/batch-norm.js';
import { disposeNetwork } from '../../trainer/networks/network.js';
import { buildClassifier } from '../../trainer/classifier/cnn.js';
import { classifierLoss, trainStep } from '../../trainer/classifier/train.js';
import { assertNoLeak, relativeError, seededValues } from '../helpers/tensors.js';

/** The fused kernels against the cpu backend's stock ops, as for the convolutions. */
const KERNEL_TOLERANCE = 1e-4;
/**
 * A whole classifier: float32 sums in other orders through 3 conv blocks, batch norm and Adam
 * (measured: losses 1e-7 apart over the 3 steps). Adam's epsilon is 1e-2 here, not 1e-7: the
 * gradient of a channel that ReLU leaves dead is float noise around zero (~5e-7, of either sign on
 * either backend), which Adam (g / (|g| + epsilon)) would turn into full steps in opposite
 * directions; real gradients here are 0.08-6, still nearly full steps.
 */
const NETWORK_TOLERANCE = 1e-3;
const ADAM_EPSILON = 1e-2;

async function onBoth<T extends Record<string, Float32Array>>(run: () => T): Promise<{ expected: T; actual: T }> {
  await tf.setBackend('cpu');
  const expected = run();
  await tf.setBackend('wasm');
  const actual = await assertNoLeak(run);
  return { expected, actual };
}

function assertClose<T extends Record<string, Float32Array>>({ expected, actual }: { expected: T; actual: T }, tolerance: number): void {
  for (const key of Object.keys(expected)) {
    const error = relativeError(actual[key]!, expected[key]!);
    assert.ok(error <= tolerance, `${key}: relative error ${error.toExponential(2)} > ${tolerance}`);
  }
}

const tensor = (shape: number[], seed: number) => tf.tensor(seededValues(tf.util.sizeFromShape(shape), seed), shape);
const values = (tensors: Record<string, tf.Tensor>) => Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, t.dataSync() as Float32Array]));

test('wasm kernels: 2x2 max-pool gradient, batch norm, bias sums, dense products match the cpu backend', async (t) => {
  await tf.setBackend('wasm');
  registerWasmTrainingKernels('onnxruntime', 2);
  for (const shape of [[2, 8, 6, 3], [1, 7, 9, 5]]) {
    await t.test(`max pool ${shape}`, async () => {
      // relu makes ties (zeros), which must go to the first input as tfjs's own kernels do.
      const run = () => tf.tidy(() => {
        const x = tf.relu(tensor(shape, 1)) as tf.Tensor4D;
        const y = tf.maxPool(x, 2, 2, 'valid');
        const dx = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(v as tf.Tensor4D, 2, 2, 'valid'), tensor(y.shape, 2))))(x);
        return values({ y, dx });
      });
      assertClose(await onBoth(run), KERNEL_TOLERANCE);
    });
  }
  await t.test('batch norm', async () => {
    const run = () => tf.tidy(() => {
      const x = tf.add(tf.mul(tensor([3, 5, 4, 6], 3), 2), 0.5) as tf.Tensor4D;
      const gamma = tensor([6], 4) as tf.Tensor1D;
      const beta = tensor([6], 5) as tf.Tensor1D;
      const { y, mean, variance } = batchNormTraining(x, gamma, beta, 1e-5);
      const weights = tensor(x.shape, 6);
      const [dx, dgamma, dbeta] = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(batchNormTraining(a as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5).y, weights)),
      )([x, gamma, beta]);
      return values({ y, mean, variance, dx: dx!, dgamma: dgamma!, dbeta: dbeta! });
    });
    assertClose(await onBoth(run), KERNEL_TOLERANCE);
  });
  await t.test('bias gradient: sum over all axes but the last', async () => {
    const run = () => tf.tidy(() => {
      const x = tensor([3, 5, 4, 6], 10);
      return values({ sum: tf.sum(x, [0, 1, 2]), kept: tf.sum(x, [0, 1, 2], true), rows: tf.sum(tf.reshape(x, [60, 6]), 0), other: tf.sum(x, [1, 2]) });
    });
    assertClose(await onBoth(run), KERNEL_TOLERANCE);
  });
  for (const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    await t.test(`matMul transposeA=${transposeA} transposeB=${transposeB}`, async () => {
      const run = () => tf.tidy(() => {
        const a = tensor(transposeA ? [33, 5] : [5, 33], 7) as tf.Tensor2D;
        const b = tensor(transposeB ? [9, 33] : [33, 9], 8) as tf.Tensor2D;
        return values({ c: tf.matMul(a, b, transposeA, transposeB), batched: tf.matMul(tf.stack([a, a]) as tf.Tensor3D, tf.stack([b, b]) as tf.Tensor3D, transposeA, transposeB) });
      });
      assertClose(await onBoth(run), KERNEL_TOLERANCE);
    });
  }
});

test('the classifier on the fast path: loss, gradients and three Adam steps match the cpu backend', { timeout: 300_000 }, async () => {
  await tf.setBackend('wasm');
  registerWasmTrainingKernels('onnxruntime', 2);
  const batch = 8;
  const run = () => {
    const net = buildClassifier({ architecture: 'study', width: 0.25, dropout: 0 }, 7);
    const optimizer = tf.train.adam(1e-3, 0.9, 0.999, ADAM_EPSILON);
    try {
      return tf.tidy(() => {
        const x = tf.tensor4d(seededValues(batch * 48 * 48, 9).map((v) => (v + 1) / 2), [batch, 48, 48, 1]);
        const y = tf.tensor1d(Int32Array.from({ length: batch }, (_, i) => i % 7), 'int32');
        const weights = tf.tensor1d([1, 3, 1, 0.5, 1, 1.5, 1]);
        const variables = [...net.weights.values()];
        const { value, grads } = tf.variableGrads(() => classifierLoss(net, x, y, weights, 0.1), variables);
        const out: Record<string, Float32Array> = { loss: value.dataSync() as Float32Array };
        for (const [key, v] of net.weights) out[`grad ${key}`] = grads[v.name]!.dataSync() as Float32Array;
        const losses = Float32Array.from({ length: 3 }, () => trainStep(net, optimizer, x, y, weights, 0.1));
        out['losses of 3 steps'] = losses;
        for (const [key, v] of [...net.weights, ...net.statistics]) out[`after 3 steps ${key}`] = v.dataSync().slice() as Float32Array;
        return out;
      });
    } finally {
      optimizer.dispose();
      disposeNetwork(net);
    }
  };
  assertClose(await onBoth(run), NETWORK_TOLERANCE);
});
