import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInWorkers } from '../../trainer/parallel/worker-pool.js';

const TASK = new URL('./fixtures/sum-of-squares-task.ts', import.meta.url);

/** Int32 cells on shared memory, seen by every worker thread the inputs are posted to. */
function sharedCells(...values: number[]): Int32Array {
  const cells = new Int32Array(new SharedArrayBuffer(4 * values.length));
  cells.set(values);
  return cells;
}

test('worker pool runs every job once, in parallel, results in input order', async () => {
  // Every job meets at a rendezvous of two: the first two can only finish if they run at the same
  // time, which one worker cannot do, so both workers must have taken jobs.
  const meet = sharedCells(0, 2);
  const inputs = Array.from({ length: 7 }, (_, i) => ({ values: [i, i + 1], meet }));
  const seen: number[] = [];
  const results = await runInWorkers<{ values: number[]; meet: Int32Array }, { sum: number; threadId: number; backend: string; numTensors: number }>(
    TASK,
    inputs,
    { workers: 2, backend: 'wasm', onResult: (index) => seen.push(index) },
  );
  assert.deepEqual(results.map((r) => r.sum), inputs.map(({ values: [a, b] }) => a! * a! + b! * b!));
  assert.deepEqual([...seen].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(new Set(results.map((r) => r.threadId)).size, 2, 'both workers took jobs');
  assert.ok(results.every((r) => r.backend === 'wasm' && r.numTensors === 0), 'tasks leaked tensors');
});

test('a failing job rejects the run with its error', async () => {
  await assert.rejects(runInWorkers(TASK, [{ values: [1] }, { values: [2], fail: true }], { workers: 2, backend: 'wasm' }), /asked to fail/);
});

test('a failure stops jobs still running at their next kernel call, never inside onnxruntime', async () => {
  // Terminating a thread inside onnxruntime's native run() aborts the process; this run would
  // crash the test file if the pool terminated the convolving worker without stopping it first.
  // The failing job fails only once the other is inside its convolutions.
  const convolving = sharedCells(0);
  const start = performance.now();
  await assert.rejects(
    runInWorkers(TASK, [{ values: [1], convolveMs: 60_000, convolving }, { values: [2], fail: true, failAfter: convolving }], { workers: 2, backend: 'wasm' }),
    /asked to fail/,
  );
  assert.ok(performance.now() - start < 30_000, 'the convolving job was stopped, not waited for');
});
