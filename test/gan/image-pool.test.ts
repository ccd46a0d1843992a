import { test } from 'node:test';
import assert from 'node:assert/strict';
import { emptyPool, queryPool } from '../../trainer/gan/image-pool.js';
import { seededRandom } from '../../core/random.js';
import { instanceNoiseAt, learningRateAt, updatesMinorityDiscriminator } from '../../trainer/gan/schedules.js';

const image = (v: number) => new Float32Array([v, v]);

test('image pool passes fakes through until full, then mixes in stored ones', () => {
  const pool = emptyPool(2);
  const random = seededRandom(3);
  assert.deepEqual(queryPool(pool, [image(1), image(2)], random).map((i) => i[0]), [1, 2]);
  assert.equal(pool.images.length, 2);
  const seen = new Set<number>();
  for (let step = 3; step < 40; step++) {
    const [out] = queryPool(pool, [image(step)], random);
    seen.add(out![0]!);
    assert.equal(pool.images.length, 2, 'the pool never grows past its capacity');
  }
  assert.ok([...seen].some((v) => v < 3), 'older fakes come back out');
  assert.ok([...seen].some((v) => v >= 3), 'new fakes pass straight through too');
  assert.deepEqual(queryPool(emptyPool(0), [image(9)], random)[0], image(9));
});

test('schedules: constant then linear learning-rate decay, decaying noise, alternate updates', () => {
  assert.equal(learningRateAt(2e-4, 50, 100, 100), 2e-4);
  assert.ok(Math.abs(learningRateAt(2e-4, 150, 100, 100) - 1e-4) < 1e-12);
  assert.equal(learningRateAt(2e-4, 250, 100, 100), 0);
  assert.equal(instanceNoiseAt(0.1, 0, 10), 0.1);
  assert.ok(Math.abs(instanceNoiseAt(0.1, 5, 10) - 0.05) < 1e-12);
  assert.equal(instanceNoiseAt(0.1, 12, 10), 0);
  assert.equal(updatesMinorityDiscriminator(7, 0, { afterEpoch: 2, every: 3 }), true);
  assert.deepEqual([0, 1, 2, 3].map((s) => updatesMinorityDiscriminator(s, 2, { afterEpoch: 2, every: 3 })), [true, false, false, true]);
  assert.equal(updatesMinorityDiscriminator(1, 9, null), true);
});
