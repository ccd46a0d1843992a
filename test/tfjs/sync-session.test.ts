import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder } from '../../trainer/onnx/graph-builder.js';
import { kernelModel } from '../../trainer/tfjs/kernels/onnxruntime/kernel-model.js';
import { SyncOnnxSession } from '../../trainer/tfjs/kernels/onnxruntime/sync-session.js';

// The kernels rely on onnxruntime-node's native binding running synchronously and writing into
// caller-owned memory; this pins both, so that an upgrade that changes them fails here first.
test('a synchronous onnxruntime session reads and writes views of one buffer in place', () => {
  const g = new GraphBuilder(['a', 'b', 'sum', 'product']);
  const sum = g.node('Add', 'add', ['a', 'b']);
  const product = g.node('Mul', 'mul', ['a', 'b']);
  const session = SyncOnnxSession.create(kernelModel(g, { a: [2, 2], b: [2, 2] }, { sum: [sum, [2, 2]], product: [product, [2, 2]] }), 1);
  try {
    // One buffer standing in for the wasm heap, with the tensors at offsets inside it.
    const memory = new Float32Array(24).fill(-1);
    memory.set([1, 2, 3, 4], 2);
    memory.set([10, 20, 30, 40], 8);
    session.run(
      { a: { data: memory.subarray(2, 6), dims: [2, 2] }, b: { data: memory.subarray(8, 12), dims: [2, 2] } },
      { sum: { data: memory.subarray(14, 18), dims: [2, 2] }, product: { data: memory.subarray(18, 22), dims: [2, 2] } },
    );
    // Checked right after the call returns: the outputs are already there.
    assert.deepEqual([...memory.subarray(14, 18)], [11, 22, 33, 44]);
    assert.deepEqual([...memory.subarray(18, 22)], [10, 40, 90, 160]);
    // Nothing outside the outputs was written.
    assert.deepEqual([...memory.subarray(12, 14), ...memory.subarray(22)], [-1, -1, -1, -1]);
  } finally {
    session.dispose();
  }
});
