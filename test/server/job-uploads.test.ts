import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { zipSync } from 'fflate';
import { Problem } from '../../server/problems.js';
import { TAR_END, tarEntry } from '../../server/jobs/tar.js';
import { type UploadLimits, receiveJobUpload } from '../../server/jobs/uploads.js';
import { outputName } from '../../server/jobs/worker.js';

const spoolDir = mkdtempSync(join(tmpdir(), 'faceaug-upload-test-'));
after(() => rmSync(spoolDir, { recursive: true, force: true }));

const LIMITS: UploadLimits = { maxImages: 10, maxBytes: 1 << 20, maxImageBytes: 64 << 10 };

/** A request whose body arrives in `chunk`-byte pieces without a Content-Length, as a streaming client sends it. */
function request(type: string, body: Uint8Array, chunk = 1000): Request {
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let at = 0; at < body.length; at += chunk) controller.enqueue(body.slice(at, at + chunk));
      controller.close();
    },
  });
  return new Request('http://faceaug.test/v1/jobs', { method: 'POST', headers: { 'Content-Type': type }, body: stream, duplex: 'half' } as RequestInit);
}

/** The upload's inputs, read back whole (checking that its spool file is never seen in the directory). */
async function receive(req: Request, limits: UploadLimits = LIMITS): Promise<Array<{ name: string; bytes: Uint8Array }>> {
  const upload = await receiveJobUpload(req, spoolDir, limits);
  try {
    assert.deepEqual(readdirSync(spoolDir), [], 'the spool file is unlinked while in use');
    const inputs = [];
    for (const input of upload.inputs) {
      const bytes = await input.read();
      assert.equal(bytes.length, input.size);
      inputs.push({ name: input.name, bytes: new Uint8Array(bytes) });
    }
    return inputs;
  } finally {
    await upload.close();
  }
}

const refusal = (status: number, detail: RegExp) => (error: unknown) => error instanceof Problem && error.status === status && detail.test(error.message);

const bytes = (seed: number, length: number) => Uint8Array.from({ length }, (_, i) => (i * 31 + seed * 7) % 251);

test('archive entries named with backslashes or parent directories are inputs like any other, with safe output names', async () => {
  const data = new Uint8Array([1, 2, 3]);
  const zip = zipSync({ '..\\..\\win.png': data, '../up.png': data, 'faces\\.hidden.png': data, '__MACOSX/._a.png': data, 'dir\\': new Uint8Array(0) });
  const inputs = await receive(request('application/zip', zip));
  assert.deepEqual(inputs.map((i) => i.name).sort(), ['../up.png', '..\\..\\win.png']);
  const names = inputs.map((input, inputIdx) => outputName({ inputIdx, inputName: input.name, target: 'disgust', copy: 0 }, 'png'));
  for (const name of names) assert.match(name, /^disgust\/[A-Za-z0-9._-]+$/, `${name} must stay inside the result archive`);
  assert.ok(names.some((n) => n.includes('win')) && names.some((n) => n.includes('up')));
});

test('zip (stored and deflated), tar and multipart uploads stream to disk and read back byte for byte, in order', async () => {
  const files = { 'a.png': bytes(1, 5000), 'b/b.png': new Uint8Array(3000), 'c.jpg': bytes(3, 40_000) };
  const expected = Object.entries(files).map(([name, data]) => ({ name, bytes: data }));
  const deflated = zipSync(files, { level: 6 });
  assert.ok(deflated.length < 30_000, 'the zeros compress');
  assert.deepEqual(await receive(request('application/zip', deflated)), expected);
  assert.deepEqual(await receive(request('application/x-zip-compressed; charset=binary', zipSync(files, { level: 0 }), 7)), expected);

  const tar = new Uint8Array(Buffer.concat([...Object.entries(files).map(([name, data]) => tarEntry(name, data, new Date())), TAR_END]));
  assert.deepEqual(await receive(request('application/x-tar', tar)), expected);

  const form = new FormData();
  for (const [name, data] of Object.entries(files)) form.append('image', new Blob([data.slice()]), name);
  form.append('note', 'ignored');
  form.append('image', new Blob([bytes(4, 10)]));
  const multipart = new Request('http://faceaug.test/v1/jobs', { method: 'POST', body: form });
  const type = multipart.headers.get('content-type')!;
  const body = new Uint8Array(await multipart.arrayBuffer());
  const received = await receive(request(type, body, 333));
  assert.deepEqual(received.slice(0, 3), expected);
  assert.equal(received.length, 4);
  assert.equal(received[3]!.name, 'blob', 'a file field keeps the name the client gave it');
});

test('limits are enforced while the body streams in, before anything is inflated', async () => {
  const zipOf = (count: number, size: number) => zipSync(Object.fromEntries(Array.from({ length: count }, (_, i) => [`f${i}.png`, new Uint8Array(size)])), { level: 9 });
  await assert.rejects(receive(request('application/zip', bytes(0, LIMITS.maxBytes + 1), 64 << 10)), refusal(413, /a job upload may be at most 1048576 bytes/));
  await assert.rejects(receive(request('application/zip', zipOf(11, 10))), refusal(413, /at most 10 images/));
  await assert.rejects(receive(request('application/zip', zipOf(1, (64 << 10) + 1))), refusal(413, /'f0.png' is 65537 bytes; one image may be at most 65536/));
  // A zip bomb: 10 entries of 1 MiB of zeros, a few KB on the wire.
  await assert.rejects(receive(request('application/zip', zipOf(10, 1 << 20)), { ...LIMITS, maxImageBytes: 1 << 20 }), refusal(413, /inflates to more than/));
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array((64 << 10) + 1)]), 'big.png');
  const multipart = new Request('http://faceaug.test/v1/jobs', { method: 'POST', body: form });
  await assert.rejects(receive(request(multipart.headers.get('content-type')!, new Uint8Array(await multipart.arrayBuffer()))), refusal(413, /'big.png' is over 65536 bytes/));
  assert.deepEqual(readdirSync(spoolDir), []);
});

test('a corrupt archive, an entry that inflates to more than it declared, or a text image field is a 400, never a 500', async () => {
  await assert.rejects(receive(request('application/zip', bytes(0, 5000))), refusal(400, /not a readable zip archive: no end of central directory record/));
  await assert.rejects(receive(request('application/x-tar', bytes(0, 5000))), refusal(400, /not a readable tar archive: /));
  await assert.rejects(receive(request('multipart/form-data', bytes(0, 100))), refusal(400, /not a readable multipart form/));
  await assert.rejects(receive(request('application/zip', zipSync({}))), refusal(400, /contains no files/));
  const form = new FormData();
  form.append('image', 'not a file');
  const multipart = new Request('http://faceaug.test/v1/jobs', { method: 'POST', body: form });
  await assert.rejects(receive(request(multipart.headers.get('content-type')!, new Uint8Array(await multipart.arrayBuffer()))), refusal(400, /must be a file upload/));

  // The central directory says 10 bytes; the data inflates to 1,000.
  const zip = zipSync({ 'a.png': new Uint8Array(1000) }, { level: 6 });
  const view = new DataView(zip.buffer);
  const directory = view.getUint32(zip.length - 22 + 16, true);
  view.setUint32(directory + 24, 10, true);
  await assert.rejects(receive(request('application/zip', zip)), refusal(400, /not a readable zip archive: 'a.png' does not inflate/));
  // And one that would have the server read far more compressed bytes than the image it declares.
  view.setUint32(directory + 20, 100_000, true);
  await assert.rejects(receive(request('application/zip', zip)), refusal(400, /'a.png' is 100000 bytes compressed but declares 10 inflated/));
  await assert.rejects(receive(request('text/plain', zip)), refusal(415, /not 'text\/plain'/));
});
