import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../../trainer/tfjs/tf.js';
import { initBackend } from '../../trainer/tfjs/backend.js';
import { buildNetwork, disposeNetwork, forward } from '../../trainer/networks/network.js';
import { generator } from '../../core/networks/generators.js';
import { assertNoLeak } from '../helpers/tensors.js';

const upsampler = { name: 'upsample2', inputChannels: 2, layers: [{ kind: 'upsample' as const, factor: 2 }] };

test('nearest upsampling repeats each pixel into a 2x2 square, and its gradient sums that square', async () => {
  await initBackend('wasm');
  const net = buildNetwork(upsampler, 1, 'upsample-test');
  await assertNoLeak(() => tf.tidy(() => {
    // Two channels, 2x2: channel 0 holds 1..4, channel 1 holds 10..40 (NHWC, interleaved).
    const x = tf.tensor4d([1, 10, 2, 20, 3, 30, 4, 40], [1, 2, 2, 2]);
    const y = forward(net, x);
    assert.deepEqual(y.shape, [1, 4, 4, 2]);
    const channel = (c: number) => Array.from(y.dataSync()).filter((_, i) => i % 2 === c);
    assert.deepEqual(channel(0), [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
    assert.deepEqual(channel(1), [10, 10, 20, 20, 10, 10, 20, 20, 30, 30, 40, 40, 30, 30, 40, 40]);

    // d/dx sum(w * up(x)) with w = output index (0..31): each input gets the sum of w over its square.
    const weights = tf.range(0, 32).reshape([1, 4, 4, 2]);
    const dx = tf.grad((input) => tf.sum(tf.mul(forward(net, input as tf.Tensor4D), weights)))(x);
    // Channel 0 of output pixel (r, c) has index 2 * (4r + c); the top-left square is (0,0), (0,1), (1,0), (1,1).
    const square = (r: number, c: number, ch: number) =>
      [0, 1].flatMap((dr) => [0, 1].map((dc) => 2 * (4 * (2 * r + dr) + 2 * c + dc) + ch)).reduce((a, b) => a + b, 0);
    const expected = [0, 1].flatMap((r) => [0, 1].flatMap((c) => [square(r, c, 0), square(r, c, 1)]));
    assert.deepEqual(Array.from(dx.dataSync()), expected);
  }));
  disposeNetwork(net);
});

test("the generator's upsample option swaps transposed convolutions for resize-convolutions", () => {
  const kinds = (upsample: 'transpose' | 'resize') =>
    generator({ ngf: 4, norm: 'instance', blocks: 1, body: 'rdnb', upsample }).layers.map((l) => l.kind);
  const count = (list: string[], kind: string) => list.filter((k) => k === kind).length;
  assert.equal(count(kinds('transpose'), 'convTranspose'), 2);
  assert.equal(count(kinds('transpose'), 'upsample'), 0);
  assert.equal(count(kinds('resize'), 'convTranspose'), 0);
  assert.equal(count(kinds('resize'), 'upsample'), 2);
});
