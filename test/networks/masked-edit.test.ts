import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../../trainer/tfjs/tf.js';
import { initBackend } from '../../trainer/tfjs/backend.js';
import { buildNetwork, disposeNetwork, forward, loadWeights } from '../../trainer/networks/network.js';
import type { Network } from '../../core/networks/layers.js';
import { generator } from '../../core/networks/generators.js';
import { withEditHead } from '../../trainer/gan/edit-head.js';
import { assertNoLeak } from '../helpers/tensors.js';

/** A 1x1 convolution to colour and mask logits, then the edit: every term is known in closed form. */
const editOnly: Network = {
  name: 'edit-only',
  inputChannels: 1,
  layers: [{ kind: 'conv', name: 'out.conv', kernel: 1, stride: 1, filters: 2, pad: 0, bias: true }, { kind: 'maskedEdit' }],
};

function run(colourWeight: number, maskWeight: number, colourBias: number, maskBias: number, input: number[]): number[] {
  const net = buildNetwork(editOnly, 1, 'masked-edit');
  try {
    loadWeights(net, new Map([
      ['out.conv/filter', { shape: [1, 1, 1, 2], values: Float32Array.of(colourWeight, maskWeight) }],
      ['out.conv/bias', { shape: [2], values: Float32Array.of(colourBias, maskBias) }],
    ]));
    return tf.tidy(() => Array.from(forward(net, tf.tensor4d(input, [1, 1, input.length, 1]), { training: false }).dataSync()));
  } finally {
    disposeNetwork(net);
  }
}

test('maskedEdit: a closed mask passes the input through, an open one gives the colour', async () => {
  await initBackend('wasm');
  await assertNoLeak(() => {
    const input = [-0.8, 0, 0.3, 0.9];
    run(1, 0, 0, -30, input).forEach((v, i) => assert.ok(Math.abs(v - input[i]!) < 1e-6, `closed: ${v} vs ${input[i]}`));
    run(0, 0, Math.atanh(0.5), 30, input).forEach((v) => assert.ok(Math.abs(v - 0.5) < 1e-6, `open: ${v}`));
  });
});

test('maskedEdit: x + sigmoid(m) * (tanh(c) - x) at known values', async () => {
  await initBackend('wasm');
  await assertNoLeak(() => {
    const input = [-0.5, 0.25, 1];
    const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
    const expected = input.map((x) => x + sigmoid(-2 * x + 0.5) * (Math.tanh(3 * x - 0.1) - x));
    run(3, -2, -0.1, 0.5, input).forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-5, `${v} vs ${expected[i]}`));
  });
});

test('withEditHead: a warm-started edit generator starts as the half-and-half blend of the old translation and its input', async () => {
  await initBackend('wasm');
  await assertNoLeak(() => {
    const options = { ngf: 4, norm: 'instance', blocks: 1, body: 'rdnb', subBlocks: 2, growth: 4, upsample: 'resize' } as const;
    const image = buildNetwork(generator(options), 7, 'edit-head-image');
    const edit = buildNetwork(generator({ ...options, output: 'edit' }), 8, 'edit-head-edit');
    try {
      const weights = new Map([...image.weights].map(([key, v]) => [key, { shape: v.shape.slice(), values: v.dataSync() as Float32Array }]));
      loadWeights(edit, withEditHead(weights));
      const [x, old, blended] = tf.tidy(() => {
        const input = tf.randomUniform([2, 48, 48, 1], -1, 1, 'float32', 3) as tf.Tensor4D;
        return [input, forward(image, input, { training: false }), forward(edit, input, { training: false })].map((t) => Array.from(t.dataSync()));
      });
      const worst = blended!.reduce((max, v, i) => Math.max(max, Math.abs(v - (x![i]! + old![i]!) / 2)), 0);
      assert.ok(worst < 1e-5, `max deviation from the blend ${worst}`);
      assert.throws(() => withEditHead(withEditHead(weights)), /2 output channels/);
    } finally {
      disposeNetwork(image);
      disposeNetwork(edit);
    }
  });
});
