import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../../trainer/tfjs/tf.js';
import { initBackend } from '../../trainer/tfjs/backend.js';
import { buildNetwork, disposeNetwork, forward } from '../../trainer/networks/network.js';
import { seededRandom } from '../../core/random.js';
import { assertNoLeak } from '../helpers/tensors.js';

const RATE = 0.25;
const dropper = { name: 'dropout', inputChannels: 4, layers: [{ kind: 'dropout' as const, rate: RATE }] };

test('dropout zeroes a share `rate` of values while training, scales the rest by 1 / (1 - rate), repeats with the seed and is the identity at inference', async () => {
  await initBackend('wasm');
  const net = buildNetwork(dropper, 1, 'dropout-test');
  await assertNoLeak(() => tf.tidy(() => {
    const x = tf.add(tf.range(0, 10_000), 1).reshape([25, 10, 10, 4]) as tf.Tensor4D;
    const input = x.dataSync();
    const output = (seed: number) => forward(net, x, { training: true, random: seededRandom(seed) }).dataSync();
    const kept = output(3);
    let zeros = 0;
    kept.forEach((v, i) => {
      if (v === 0) zeros++;
      else assert.ok(Math.abs(v - input[i]! / (1 - RATE)) <= 1e-3 * v, `value ${i}: ${v} is neither 0 nor ${input[i]! / (1 - RATE)}`);
    });
    // 10,000 Bernoulli(0.25) draws: the standard deviation of the share is 0.0043.
    assert.ok(Math.abs(zeros / kept.length - RATE) < 0.02, `${zeros} of ${kept.length} dropped`);
    assert.deepEqual(Array.from(output(3)), Array.from(kept), 'the same seed drops the same values');
    assert.notDeepEqual(Array.from(output(4)), Array.from(kept), 'another seed drops others');
    assert.deepEqual(Array.from(forward(net, x, { training: false }).dataSync()), Array.from(input));

    // The gradient is the mask the forward pass drew, scaled the same way.
    const dx = tf.grad((v) => tf.sum(forward(net, v as tf.Tensor4D, { training: true, random: seededRandom(3) })))(x).dataSync();
    dx.forEach((g, i) => assert.ok(Math.abs(g - (kept[i] === 0 ? 0 : 1 / (1 - RATE))) < 1e-6, `gradient ${i}: ${g}`));
  }));
  disposeNetwork(net);
});

test('dropout while training without a seeded generator is refused, not drawn from Math.random', async () => {
  await initBackend('wasm');
  const net = buildNetwork(dropper, 1, 'dropout-unseeded');
  await assertNoLeak(() => tf.tidy(() => {
    assert.throws(() => forward(net, tf.ones([1, 2, 2, 4]) as tf.Tensor4D, { training: true }), /seeded generator/);
  }));
  disposeNetwork(net);
});
