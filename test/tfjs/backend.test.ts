import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { faceaug } from '../helpers/cli.js';

function installed(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}

test('automatic choice falls over to the fastest backend that loads, and says why', () => {
  const run = faceaug(['runtime', '--json'], { FACEAUG_BACKEND: '' });
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout) as { backend: string; skipped: string[]; workers: number };
  if (installed('@tensorflow/tfjs-node-gpu') || installed('@tensorflow/tfjs-node')) {
    assert.match(report.backend, /^tensorflow/);
  } else {
    assert.equal(report.backend, 'wasm');
    assert.equal(report.skipped.length, 2, 'both native backends reported as skipped');
    assert.match(report.skipped[0]!, /^tensorflow-gpu: /);
  }
  assert.ok(report.workers >= 1);
});

test('FACEAUG_BACKEND and --backend select a backend; an unknown one is a clear error', () => {
  assert.equal(JSON.parse(faceaug(['runtime', '--json'], { FACEAUG_BACKEND: 'cpu' }).stdout).backend, 'cpu');
  assert.equal(JSON.parse(faceaug(['runtime', '--json', '--backend', 'wasm'], { FACEAUG_BACKEND: 'cpu' }).stdout).backend, 'wasm');
  const bad = faceaug(['runtime'], { FACEAUG_BACKEND: 'tpu' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /unknown backend 'tpu' \(expected one of tensorflow-gpu, tensorflow, wasm, cpu\)/);
});

test('an explicitly requested backend that cannot load fails instead of silently falling back', (t) => {
  if (installed('@tensorflow/tfjs-node')) return t.skip('@tensorflow/tfjs-node is installed here');
  const run = faceaug(['runtime', '--backend', 'tensorflow']);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /backend 'tensorflow' is not available/);
});

test('FACEAUG_WASM_CONV picks who runs wasm convolutions; onnxruntime by default; an unknown one is a clear error', () => {
  const engine = (value: string) => JSON.parse(faceaug(['runtime', '--json', '--backend', 'wasm'], { FACEAUG_WASM_CONV: value }).stdout).convEngine;
  assert.equal(engine(''), 'onnxruntime');
  assert.equal(engine('xnnpack'), 'xnnpack');
  const bad = faceaug(['runtime', '--backend', 'wasm'], { FACEAUG_WASM_CONV: 'mkl' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /unknown wasm convolution engine 'mkl' \(expected one of onnxruntime, xnnpack\)/);
});
