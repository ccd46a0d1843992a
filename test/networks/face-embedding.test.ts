import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../trainer/tfjs/backend.js';
import { EMBEDDINGS, embedFaces } from '../../trainer/networks/face-embedding.js';
import { assertNoLeak } from '../helpers/tensors.js';
import { syntheticPixels } from '../data/synthetic.js';

test('face-api embeddings: right size, finite, batch-independent, no leaked tensors', async () => {
  await initBackend();
  const pixels = Uint8Array.from([1, 2, 3].flatMap((seed) => syntheticPixels(seed)));
  for (const name of ['expression', 'recognition'] as const) {
    const { dim } = EMBEDDINGS[name];
    const whole = await assertNoLeak(() => embedFaces(name, pixels, 3));
    assert.equal(whole.length, 3 * dim);
    assert.ok(whole.every(Number.isFinite));
    // Different images, different embeddings; batching must not change the values.
    assert.notDeepEqual(whole.subarray(0, dim), whole.subarray(dim, 2 * dim));
    const batched = await embedFaces(name, pixels, 3, { batchSize: 2 });
    for (let i = 0; i < whole.length; i++) assert.ok(Math.abs(whole[i]! - batched[i]!) < 1e-4, `${name}[${i}]`);
  }
});
