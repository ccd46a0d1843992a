import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zipSync } from 'fflate';
import { readJobUpload } from '../../server/jobs/uploads.js';
import { outputName } from '../../server/jobs/worker.js';

const upload = (files: Record<string, Uint8Array>) =>
  readJobUpload(new Request('http://faceaug.test/v1/jobs', { method: 'POST', headers: { 'Content-Type': 'application/zip' }, body: zipSync(files) }), {
    maxImages: 10,
    maxBytes: 1 << 20,
  });

test('archive entries named with backslashes or parent directories are inputs like any other, with safe output names', async () => {
  const bytes = new Uint8Array([1, 2, 3]);
  const inputs = await upload({ '..\\..\\win.png': bytes, '../up.png': bytes, 'faces\\.hidden.png': bytes, '__MACOSX/._a.png': bytes, 'dir\\': new Uint8Array(0) });
  assert.deepEqual(inputs.map((i) => i.name).sort(), ['../up.png', '..\\..\\win.png']);
  const names = inputs.map((input, inputIdx) => outputName({ inputIdx, inputName: input.name, target: 'disgust', copy: 0 }, 'png'));
  for (const name of names) assert.match(name, /^disgust\/[A-Za-z0-9._-]+$/, `${name} must stay inside the result archive`);
  assert.ok(names.some((n) => n.includes('win')) && names.some((n) => n.includes('up')));
});
