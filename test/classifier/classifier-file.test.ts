import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../../trainer/tfjs/tf.js';
import { initBackend } from '../../trainer/tfjs/backend.js';
import { loadClassifier, packClassifier } from '../../trainer/classifier/classifier-file.js';
import { buildClassifier } from '../../trainer/classifier/cnn.js';
import { logits } from '../../trainer/classifier/train.js';
import { disposeNetwork } from '../../trainer/networks/network.js';
import { packTensors } from '../../trainer/networks/tensor-file.js';
import { seededValues } from '../helpers/tensors.js';

test('a packed classifier loads back as the same network: same logits, running statistics included', async () => {
  await initBackend('wasm');
  const before = tf.memory().numTensors;
  const original = buildClassifier({ architecture: 'study', width: 0.25, dropout: 0 }, 4);
  // Running statistics away from their initial values, as after training.
  for (const variable of original.statistics.values()) tf.tidy(() => variable.assign(tf.add(variable, 0.3)));
  const loaded = loadClassifier(packClassifier(original), 'reloaded');
  const x = tf.tensor4d(seededValues(3 * 48 * 48, 9).map((v) => (v + 1) / 2), [3, 48, 48, 1]);
  try {
    const [a, b] = tf.tidy(() => [original, loaded].map((net) => logits(net, x, { training: false }).dataSync() as Float32Array));
    assert.deepEqual(Array.from(b!), Array.from(a!));
  } finally {
    tf.dispose(x);
    disposeNetwork(original);
    disposeNetwork(loaded);
  }
  assert.equal(tf.memory().numTensors, before, 'no leaked tensors');
  assert.throws(() => loadClassifier(packTensors([], { format: 'faceaug-generator/1' }), 'other'), /not a faceaug classifier file/);
});
