import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInWorkers } from '../../trainer/runtime/worker-pool.js';

const TASK = new URL('./fixtures/sum-of-squares-task.ts', import.meta.url);

test('worker pool runs every job once, in parallel, results in input order', async () => {
  const inputs = Array.from({ length: 7 }, (_, i) => ({ values: [i, i + 1], holdMs: 400 }));
  const seen: number[] = [];
  const results = await runInWorkers<{ values: number[]; holdMs: number }, { sum: number; threadId: number; backend: string; numTensors: number }>(
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
  const start = performance.now();
  await assert.rejects(runInWorkers(TASK, [{ values: [1], convolveMs: 60_000 }, { values: [2], fail: true, holdMs: 500 }], { workers: 2, backend: 'wasm' }), /asked to fail/);
  assert.ok(performance.now() - start < 30_000, 'the convolving job was stopped, not waited for');
});
