import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import * as tf from '../../trainer/tfjs/tf.js';
import { initBackend } from '../../trainer/tfjs/backend.js';
import { buildNetwork, disposeNetwork, forward, loadWeights, readWeights, type BuiltNetwork } from '../../trainer/networks/network.js';
import { INSTANCE_NORM_EPSILON } from '../../trainer/networks/instance-norm.js';
import { generator } from '../../core/networks/generators.js';
import { patchDiscriminator } from '../../core/networks/discriminators.js';
import type { Network } from '../../core/networks/layers.js';
import type { NamedWeights } from '../../core/networks/weights.js';
import { exportOnnx, NORM_EPSILON } from '../../trainer/onnx/export-onnx.js';
import { describeOnnxIO, type OnnxLayout } from '../../trainer/onnx/io-contract.js';
import { assertNoLeak, relativeError, seededValues } from '../helpers/tensors.js';
import { expressionClassifier } from '../../core/networks/classifiers.js';
import { seededRandom } from '../../core/random.js';

const BATCH = 3;
const TOLERANCE = 1e-3;

/**
 * Seeded weights moved off their initialisation: biases, betas and running means become non-zero,
 * gammas and variances leave 1, and filters grow to a roughly variance-preserving scale (the 0.02
 * initialisation would fade the input away in batch-norm nets, which normalise by running
 * statistics), so every term of every layer reaches the output.
 */
function perturb(weights: NamedWeights, seed: number): NamedWeights {
  const out: NamedWeights = new Map();
  let offset = 0;
  for (const [key, { shape, values }] of weights) {
    const noise = seededValues(values.length, seed * 1000 + offset++);
    const kind = key.slice(key.lastIndexOf('/') + 1);
    const moved = values.map((v, i) => {
      const u = noise[i]!;
      if (kind === 'filter') return v + (2 / Math.sqrt(values.length / shape.at(-1)!)) * u;
      if (kind === 'gamma') return v + 0.2 * u;
      if (kind === 'variance') return v * (1 + 0.5 * u);
      return v + 0.1 * u;
    });
    out.set(key, { shape, values: moved });
  }
  return out;
}

function tfjsForward(net: BuiltNetwork, input: Float32Array, side: number, training: boolean): { values: Float32Array; shape: number[] } {
  return tf.tidy(() => {
    const y = forward(net, tf.tensor4d(input, [BATCH, side, side, 1]), { training, random: seededRandom(1) });
    return { values: y.dataSync() as Float32Array, shape: y.shape };
  });
}

/** Runs the exported model; with one channel the NHWC and NCHW buffers coincide, only dims differ. */
async function onnxForward(bytes: Uint8Array, input: Float32Array, side: number, layout: OnnxLayout): Promise<ort.Tensor> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const dims = layout === 'nchw' ? [BATCH, 1, side, side] : [BATCH, side, side, 1];
    const { output } = await session.run({ input: new ort.Tensor('float32', input, dims) });
    return output!;
  } finally {
    await session.release();
  }
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'length mismatch');
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

function standardDeviation(values: Float32Array): number {
  const mean = values.reduce((a, v) => a + v, 0) / values.length;
  return Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
}

const nhwcToNchw = ([n, h, w, c]: number[]) => [n, c, h, w];

interface Case {
  label: string;
  spec: Network;
  /** Training-mode forwards before export, so batch-norm running statistics move. */
  warmups?: number;
}

const cases: Case[] = [
  { label: 'ResNet generator, instance norm', spec: generator({ ngf: 6, norm: 'instance', blocks: 2, body: 'resnet' }) },
  { label: 'ResNet generator, batch norm', spec: generator({ ngf: 4, norm: 'batch', blocks: 2, body: 'resnet' }), warmups: 2 },
  {
    label: 'RDNB generator, res-scale 0.5',
    spec: generator({ ngf: 4, norm: 'instance', blocks: 2, body: 'rdnb', subBlocks: 3, resScale: 0.5, growth: 4 }),
  },
  {
    label: 'RDNB generator, resize-convolution decoder',
    spec: generator({ ngf: 4, norm: 'instance', blocks: 1, body: 'rdnb', subBlocks: 2, resScale: 0.5, growth: 4, upsample: 'resize' }),
  },
  {
    label: 'RDNB generator, masked-edit output',
    spec: generator({ ngf: 4, norm: 'instance', blocks: 1, body: 'rdnb', subBlocks: 2, resScale: 0.5, growth: 4, upsample: 'resize', output: 'edit' }),
  },
  { label: 'PatchGAN discriminator, instance norm', spec: patchDiscriminator({ ndf: 4, layers: 3, norm: 'instance' }) },
  { label: 'PatchGAN discriminator, batch norm', spec: patchDiscriminator({ ndf: 4, layers: 2, norm: 'batch' }), warmups: 2 },
];

test('the exporter uses the trainer normalisation epsilon', () => {
  assert.equal(NORM_EPSILON, INSTANCE_NORM_EPSILON);
});

for (const [index, { label, spec, warmups = 0 }] of cases.entries()) {
  test(`ONNX matches tfjs (NCHW and NHWC): ${label}`, async () => {
    await initBackend('wasm');
    await assertNoLeak(async () => {
      const seed = index + 1;
      const net = buildNetwork(spec, seed, `onnx-parity-${index}`);
      try {
        const input = seededValues(BATCH * 48 * 48, 100 + seed);
        for (let i = 0; i < warmups; i++) tfjsForward(net, seededValues(BATCH * 48 * 48, 200 + i), 48, true);
        loadWeights(net, perturb(readWeights(net), seed));
        const expected = tfjsForward(net, input, 48, false);
        // A constant output, or tanh pinned at +-1, would hide differences.
        assert.ok(standardDeviation(expected.values) > 0.1, 'the output hardly depends on the input');
        const unsaturated = expected.values.filter((v) => Math.abs(v) < 0.9).length / expected.values.length;
        assert.ok(unsaturated > 0.5, `only ${unsaturated} of outputs are unsaturated`);

        for (const layout of ['nchw', 'nhwc'] as const) {
          const bytes = exportOnnx(spec, readWeights(net), { layout, metadata: { source: 'neutral', target: 'happy' } });
          const output = await onnxForward(bytes, input, 48, layout);
          const expectedDims = layout === 'nchw' ? nhwcToNchw(expected.shape) : expected.shape;
          assert.deepEqual(output.dims, expectedDims);
          assert.deepEqual(describeOnnxIO(spec, { layout }).output.shape, ['N', ...expectedDims.slice(1)]);
          const diff = maxAbsDiff(output.data as Float32Array, expected.values);
          console.log(`${label} ${layout}: max |onnx - tfjs| = ${diff.toExponential(2)}`);
          assert.ok(diff <= TOLERANCE, `${layout}: max abs diff ${diff}`);
        }
      } finally {
        disposeNetwork(net);
      }
    });
  });
}

test('symbolic H and W: one model serves any size the network accepts', async () => {
  await initBackend('wasm');
  await assertNoLeak(async () => {
    const spec = generator({ ngf: 4, norm: 'instance', blocks: 1, body: 'resnet' });
    const net = buildNetwork(spec, 7, 'onnx-parity-symbolic');
    try {
      loadWeights(net, perturb(readWeights(net), 7));
      const bytes = exportOnnx(spec, readWeights(net), { imageSize: 'symbolic' });
      const session = await ort.InferenceSession.create(bytes);
      const [inputInfo] = session.inputMetadata;
      assert.ok(inputInfo?.isTensor);
      assert.deepEqual(inputInfo.shape, ['N', 1, 'H', 'W']);
      await session.release();
      for (const side of [32, 48]) {
        const input = seededValues(BATCH * side * side, side);
        const expected = tfjsForward(net, input, side, false);
        const output = await onnxForward(bytes, input, side, 'nchw');
        assert.deepEqual(output.dims, [BATCH, 1, side, side]);
        assert.ok(maxAbsDiff(output.data as Float32Array, expected.values) <= TOLERANCE, `side ${side}`);
      }
    } finally {
      disposeNetwork(net);
    }
  });
});

test('export checks the weights against the network and refuses reserved metadata keys', async () => {
  await initBackend('wasm');
  await assertNoLeak(() => {
    const spec = patchDiscriminator({ ndf: 2, layers: 1, norm: 'instance' });
    const net = buildNetwork(spec, 3, 'onnx-parity-checks');
    try {
      const weights = readWeights(net);
      const missing = new Map(weights);
      missing.delete('c0/bias');
      assert.throws(() => exportOnnx(spec, missing), /lack 'c0\/bias'/);
      assert.throws(() => exportOnnx(spec, new Map([...weights, ['stray/filter', { shape: [1], values: new Float32Array(1) }]])), /not used.*stray\/filter/);
      const wrong = new Map(weights);
      wrong.set('c0/filter', { shape: [4, 4, 2, 2], values: new Float32Array(64) });
      assert.throws(() => exportOnnx(spec, wrong), /has shape \[4,4,2,2\], the network expects \[4,4,1,2\]/);
      assert.throws(() => exportOnnx(spec, weights, { metadata: { layout: 'x' } }), /metadata key 'layout'/);
      const bytes = Buffer.from(exportOnnx(spec, weights, { metadata: { target: 'happy' } }));
      for (const text of ['architecture', spec.name, 'input_range', 'target', 'happy']) assert.ok(bytes.includes(text), text);
    } finally {
      disposeNetwork(net);
    }
  });
});

for (const shape of [
  { architecture: 'study', dropout: 0 },
  { architecture: 'vgg', dropout: 0.4 },
] as const) {
  test(`ONNX matches tfjs: the ${shape.architecture} expression classifier (max pool, batch norm, linear layers${shape.dropout ? ', dropout' : ''}), as the judge is exported`, async () => {
    await initBackend('wasm');
    await assertNoLeak(async () => {
      const spec = expressionClassifier({ ...shape, width: 0.25, imageSide: 48 });
      const net = buildNetwork(spec, 11, 'onnx-parity-classifier');
      try {
        for (let i = 0; i < 2; i++) tfjsForward(net, seededValues(BATCH * 48 * 48, 300 + i), 48, true);
        loadWeights(net, perturb(readWeights(net), 11));
        const input = seededValues(BATCH * 48 * 48, 111);
        const expected = tfjsForward(net, input, 48, false);
        assert.deepEqual(expected.shape, [BATCH, 1, 1, 7]);
        assert.ok(standardDeviation(expected.values) > 0.1, 'the logits hardly depend on the input');
        const output = await onnxForward(exportOnnx(spec, readWeights(net)), input, 48, 'nchw');
        assert.deepEqual(output.dims, [BATCH, 7, 1, 1]);
        const error = relativeError(output.data as Float32Array, expected.values);
        console.log(`${spec.name}: relative |onnx - tfjs| = ${error.toExponential(2)}`);
        assert.ok(error <= TOLERANCE, `relative error ${error}`);
      } finally {
        disposeNetwork(net);
      }
    });
  });
}
