import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FACE_PIXELS, FACE_SIZE, ONNX_INPUT, ONNX_OUTPUT } from '../../core/image-codec.js';
import { MicroBatcher, QueueBudget } from '../../server/inference/batcher.js';
import { OnnxModel } from '../../server/inference/onnx-model.js';
import { GraphBuilder } from '../../trainer/onnx/graph-builder.js';
import { kernelModel } from '../../trainer/tfjs/kernels/onnxruntime/kernel-model.js';

/** A real ONNX model, output = -input, so each answer shows which image it was computed from. */
async function negatingModel(dir: string): Promise<OnnxModel> {
  const g = new GraphBuilder([ONNX_INPUT, ONNX_OUTPUT]);
  const negated = g.node('Neg', 'negate', [ONNX_INPUT]);
  const shape = ['N', 1, FACE_SIZE, FACE_SIZE];
  const path = join(dir, 'negate.onnx');
  writeFileSync(path, kernelModel(g, { [ONNX_INPUT]: shape }, { [ONNX_OUTPUT]: [negated, shape] }));
  return OnnxModel.load({ source: 'neutral', target: 'disgust', version: 1 }, 'test', path, 1, 'cpu');
}

test('the batcher takes half of what waits, at most maxBatch, and answers every request with its own image', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'faceaug-batcher-'));
  const model = await negatingModel(dir);
  t.after(async () => {
    await model.close();
    rmSync(dir, { recursive: true, force: true });
  });
  // Eight requests at once. maxBatch 32: the timer fires with 8 waiting (4 go), then 4, 2, 1 wait.
  // maxBatch 2: the second request fills a batch while 2 wait (1 goes); the other six arrive
  // meanwhile, and batches of 2 drain them down to the last one.
  for (const [maxBatch, expected] of [
    [32, [4, 2, 1, 1]],
    [2, [1, 2, 2, 2, 1]],
  ] as const) {
    const sizes: number[] = [];
    const batcher = new MicroBatcher(model, { maxBatch, maxWaitMs: 5 }, new QueueBudget(64), (size) => sizes.push(size));
    const images = Array.from({ length: 8 }, (_, i) => new Float32Array(FACE_PIXELS).fill(i / 10));
    const outputs = await Promise.all(images.map((image) => batcher.submit(image, 10_000)));
    outputs.forEach((output, i) => assert.ok(output.every((v) => Math.abs(v + i / 10) < 1e-6), `request ${i} got another image's answer`));
    assert.deepEqual(sizes, expected, `maxBatch ${maxBatch}`);
    assert.ok(batcher.idle);
  }
});
