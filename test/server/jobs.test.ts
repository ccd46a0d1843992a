import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { unzipSync, zipSync } from 'fflate';
import { openDatabase } from '../../db/client.js';
import { claimItems, finishItem, getJob } from '../../db/jobs.js';
import { TAR_END, tarEntries, tarEntry } from '../../server/jobs/tar.js';
import { NEUTRAL_DISGUST, NEUTRAL_SURPRISE, bearer, eventually, faceImage, registerChampion, serverTest } from './harness.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

interface JobJson {
  id: string;
  status: string;
  itemCount: number;
  seed: number;
  counts: { pending: number; running: number; done: number; failed: number };
  models: Record<string, { version: number; sha256: string }>;
}

interface ManifestLine {
  input: string;
  inputSha256: string;
  output: string;
  outputSha256: string;
  target: string;
  copy: number;
  modelVersion: number;
  modelSha256: string;
  seed: number;
}

serverTest(
  'a bulk job survives a restart and a dead worker, and produces every output exactly once',
  { jobClaimSize: 1, maxJobImages: 20 },
  async ({ url, db, server, translateKey, restart, databaseUrl, dataDir }) => {
    await registerChampion(db, NEUTRAL_DISGUST, 1);
    await registerChampion(db, NEUTRAL_SURPRISE, 2);
    await server.engine.refresh();

    const files: Record<string, Uint8Array> = { 'notes.txt': new TextEncoder().encode('not an image'), '__MACOSX/._a.png': new Uint8Array(4) };
    for (let i = 0; i < 9; i++) files[`faces/face-${i}.${i % 3 === 0 ? 'jpg' : 'png'}`] = new Uint8Array(await faceImage(i, { format: i % 3 === 0 ? 'jpeg' : 'png' }));
    const zip = zipSync(files);
    const submit = (body: Uint8Array<ArrayBuffer>, query: string, type = 'application/zip') =>
      fetch(`${url}/v1/jobs?${query}`, { method: 'POST', headers: { ...bearer(translateKey), 'Content-Type': type }, body });

    const tooMany = zipSync(Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`f${i}.png`, files['faces/face-1.png']!])));
    const refused = await submit(tooMany, 'targets=disgust');
    assert.equal(refused.status, 413);
    assert.match(((await refused.json()) as { detail: string }).detail, /at most 20 images/);

    const accepted = await submit(zip, 'targets=disgust,surprise&copies=2&seed=42');
    assert.equal(accepted.status, 202, await accepted.clone().text());
    const job = (await accepted.json()) as JobJson;
    assert.equal(accepted.headers.get('location'), `/v1/jobs/${job.id}`);
    assert.equal(job.itemCount, 10 * 2 * 2);
    assert.equal(job.seed, 42);
    const early = await fetch(`${url}/v1/jobs/${job.id}/result`, { headers: bearer(translateKey) });
    assert.equal(early.status, 409, 'no result before the job completes');

    // Stop the server once some outputs exist; a graceful stop hands its claim back.
    const status = async (base: string) => (await (await fetch(`${base}/v1/jobs/${job.id}`, { headers: bearer(translateKey) })).json()) as JobJson;
    await eventually('first outputs', async () => ((await status(url)).counts.done >= 2 ? true : undefined));
    await server.close();

    // A worker that claims two items and dies: its lease runs out and the items go to the next worker.
    const dead = '00000000-0000-4000-8000-00000000dead';
    const other = await openDatabase(databaseUrl ? { url: databaseUrl } : { dataDir });
    let orphaned;
    try {
      const midway = await getJob(other.db, job.id);
      assert.equal(midway.counts.running, 0, 'a graceful stop leaves no claimed items');
      assert.ok(midway.counts.done > 0 && midway.counts.done + midway.counts.failed < job.itemCount, `stopped mid-job: ${JSON.stringify(midway.counts)}`);
      orphaned = await claimItems(other.db, { token: dead, limit: 2, leaseMs: 1 });
      assert.equal(orphaned.length, 2);
    } finally {
      await other.close();
    }

    const next = await restart();
    const done = await eventually('the job to complete after the restart', async () => {
      const current = await status(next.url);
      return current.status === 'completed' ? current : undefined;
    }, 60_000);
    assert.deepEqual(done.counts, { pending: 0, running: 0, done: 9 * 2 * 2, failed: 1 * 2 * 2 });
    assert.equal(await finishItem(next.handle.db, orphaned[0]!, dead, { ok: true, name: 'late.png', output: new Uint8Array(8) }), false, "the dead worker's late result is refused");

    const zipped = unzipSync(new Uint8Array(await (await fetch(`${next.url}/v1/jobs/${job.id}/result`, { headers: bearer(translateKey) })).arrayBuffer()));
    const manifest = new TextDecoder()
      .decode(zipped['manifest.jsonl'])
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as ManifestLine);
    const outputs = Object.keys(zipped).filter((name) => name !== 'manifest.jsonl' && name !== 'summary.json');
    assert.equal(outputs.length, 36);
    assert.equal(manifest.length, 36);
    assert.equal(new Set(manifest.map((m) => `${m.input}|${m.target}|${m.copy}`)).size, 36, 'each (input, target, copy) once');
    for (const line of manifest) {
      assert.equal(sha256(zipped[line.output]!), line.outputSha256);
      assert.equal(sha256(files[line.input]!), line.inputSha256);
      assert.deepEqual([line.modelVersion, line.modelSha256, line.seed], [job.models[line.target]!.version, job.models[line.target]!.sha256, 42]);
    }
    const summary = JSON.parse(new TextDecoder().decode(zipped['summary.json'])) as { counts: unknown; failures: Array<{ input: string; error: string }> };
    assert.deepEqual(summary.counts, { disgust: { done: 18, failed: 2 }, surprise: { done: 18, failed: 2 } });
    assert.ok(summary.failures.every((f) => f.input === 'notes.txt' && /not a JPEG, PNG or WebP/.test(f.error)));

    const resultTar = new Uint8Array(await (await fetch(`${next.url}/v1/jobs/${job.id}/result?format=tar`, { headers: bearer(translateKey) })).arrayBuffer());
    const tarred = new Map<string, Uint8Array>();
    for await (const entry of tarEntries(resultTar.length, async (offset, length) => resultTar.subarray(offset, offset + length))) {
      tarred.set(entry.name, resultTar.subarray(entry.offset, entry.offset + entry.size));
    }
    assert.deepEqual([...tarred.keys()].sort(), Object.keys(zipped).sort());
    assert.deepEqual(tarred.get(manifest[0]!.output), zipped[manifest[0]!.output]);

    // Same images, same seed, multipart this time: byte-identical outputs.
    const form = new FormData();
    for (const name of ['faces/face-0.jpg', 'faces/face-4.png']) form.append('image', new Blob([files[name]!.slice()]), name);
    const resubmitted = await fetch(`${next.url}/v1/jobs?targets=surprise&copies=2&seed=42`, { method: 'POST', headers: bearer(translateKey), body: form });
    assert.equal(resubmitted.status, 202);
    const again = (await resubmitted.json()) as JobJson;
    await eventually('the second job', async () => {
      const current = (await (await fetch(`${next.url}/v1/jobs/${again.id}`, { headers: bearer(translateKey) })).json()) as JobJson;
      return current.status === 'completed' ? current : undefined;
    });
    const second = unzipSync(new Uint8Array(await (await fetch(`${next.url}/v1/jobs/${again.id}/result`, { headers: bearer(translateKey) })).arrayBuffer()));
    const secondManifest = new TextDecoder()
      .decode(second['manifest.jsonl'])
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as ManifestLine);
    const firstRun = new Map(manifest.filter((m) => m.target === 'surprise').map((m) => [`${m.input}|${m.copy}`, m.outputSha256]));
    assert.equal(secondManifest.length, 4);
    for (const line of secondManifest) assert.equal(line.outputSha256, firstRun.get(`${line.input}|${line.copy}`), `${line.input} copy ${line.copy} reproduces`);
    const copies = secondManifest.filter((m) => m.input === 'faces/face-0.jpg').map((m) => m.outputSha256);
    assert.equal(new Set(copies).size, 2, 'the two copies of an image differ');

    // And as a tar upload.
    const tar = new Uint8Array([...tarEntry('faces/face-4.png', files['faces/face-4.png']!, new Date()), ...TAR_END]);
    const fromTar = await fetch(`${next.url}/v1/jobs?targets=surprise&seed=42`, { method: 'POST', headers: { ...bearer(translateKey), 'Content-Type': 'application/x-tar' }, body: tar });
    assert.equal(fromTar.status, 202);
    const tarJob = (await fromTar.json()) as JobJson;
    await eventually('the tar job', async () => {
      const current = (await (await fetch(`${next.url}/v1/jobs/${tarJob.id}`, { headers: bearer(translateKey) })).json()) as JobJson;
      return current.status === 'completed' ? current : undefined;
    });
    const tarResult = unzipSync(new Uint8Array(await (await fetch(`${next.url}/v1/jobs/${tarJob.id}/result`, { headers: bearer(translateKey) })).arrayBuffer()));
    const tarLine = JSON.parse(new TextDecoder().decode(tarResult['manifest.jsonl']).trim()) as ManifestLine;
    assert.equal(tarLine.outputSha256, firstRun.get('faces/face-4.png|0'));
  },
);
