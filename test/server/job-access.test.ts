import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { zipSync } from 'fflate';
import { createApiKey } from '../../db/api-keys.js';
import { NEUTRAL_DISGUST, bearer, eventually, faceImage, registerChampion, serverTest } from './harness.js';

serverTest("a job is its submitter's: another translate key gets 404 for its status and result, an admin key sees it", {}, async ({ url, db, server, adminKey, translateKey }) => {
  await registerChampion(db, NEUTRAL_DISGUST, 1);
  await server.engine.refresh();
  const { plaintext: otherKey } = await createApiKey(db, { name: 'another client', scopes: ['translate'] });
  const body = zipSync({ 'a.png': new Uint8Array(await faceImage(1)) });
  const submitted = await fetch(`${url}/v1/jobs?targets=disgust`, { method: 'POST', headers: { ...bearer(translateKey), 'Content-Type': 'application/zip' }, body });
  assert.equal(submitted.status, 202, await submitted.clone().text());
  const { id } = (await submitted.json()) as { id: string };
  const status = (key: string) => fetch(`${url}/v1/jobs/${id}`, { headers: bearer(key) });
  await eventually('the job to complete', async () => (((await (await status(translateKey)).json()) as { status: string }).status === 'completed' ? true : undefined));

  const hidden = await status(otherKey);
  assert.equal(hidden.status, 404);
  assert.match(((await hidden.json()) as { detail: string }).detail, new RegExp(`job ${id} does not exist`));
  assert.equal((await fetch(`${url}/v1/jobs/${id}/result`, { headers: bearer(otherKey) })).status, 404);
  assert.equal((await status(adminKey)).status, 200);
  assert.equal((await fetch(`${url}/v1/jobs/${id}/result`, { headers: bearer(translateKey) })).status, 200);
});

serverTest(
  'jobs are bounded: outputs per job (413, counting the faces faces=all may find), unfinished outputs per key (429); a job can be deleted, and finished ones expire by themselves',
  { maxJobItems: 6, maxJobItemsPerKey: 8, maxFaces: 3, jobRetentionMs: 1_500, jobWorker: false },
  async ({ url, db, server, translateKey, restart }) => {
    await registerChampion(db, NEUTRAL_DISGUST, 1);
    await server.engine.refresh();
    const image = new Uint8Array(await faceImage(1));
    const submit = (images: number, copies: number, faces = 'largest') =>
      fetch(`${url}/v1/jobs?targets=disgust&copies=${copies}&faces=${faces}`, {
        method: 'POST',
        headers: { ...bearer(translateKey), 'Content-Type': 'application/zip' },
        body: zipSync(Object.fromEntries(Array.from({ length: images }, (_, i) => [`f${i}.png`, image]))),
      });
    const tooBig = await submit(4, 2);
    assert.equal(tooBig.status, 413);
    assert.match(((await tooBig.json()) as { detail: string }).detail, /4 images x 1 targets x 2 copies is 8 outputs; a job may have at most 6/);
    const mayGrowTooBig = await submit(3, 1, 'all');
    assert.equal(mayGrowTooBig.status, 413, 'three photos may hold up to three faces each');
    assert.match(((await mayGrowTooBig.json()) as { detail: string }).detail, /3 images x 1 targets x 1 copies x up to 3 faces \(faces=all\) is up to 9 outputs; a job may have at most 6/);

    // No worker runs here: what is submitted stays unfinished.
    const first = await submit(3, 2);
    assert.equal(first.status, 202);
    const overQuota = await submit(3, 1);
    assert.equal(overQuota.status, 429);
    assert.equal(overQuota.headers.get('retry-after'), '30');
    assert.match(((await overQuota.json()) as { detail: string }).detail, /6 job items unfinished; 3 more would pass its limit of 8/);

    const { id } = (await first.json()) as { id: string };
    const deleted = await fetch(`${url}/v1/jobs/${id}`, { method: 'DELETE', headers: bearer(translateKey) });
    assert.equal(deleted.status, 204);
    assert.equal((await fetch(`${url}/v1/jobs/${id}`, { headers: bearer(translateKey) })).status, 404);
    assert.equal((await submit(3, 1)).status, 202, 'deleting the job freed its quota');

    // Restarted with a job worker, the server finishes it, and its retention sweep deletes it some time later.
    await server.close();
    const worked = await restart({ jobWorker: true });
    const [{ id: second }] = ((await worked.handle.db.execute(sql`select id from jobs`)) as unknown as { rows: Array<{ id: string }> }).rows;
    await eventually('the job to finish', async () => (((await (await fetch(`${worked.url}/v1/jobs/${second}`, { headers: bearer(translateKey) })).json()) as { status: string }).status === 'completed' ? true : undefined));
    await eventually('the finished job to expire', async () => ((await fetch(`${worked.url}/v1/jobs/${second}`, { headers: bearer(translateKey) })).status === 404 ? true : undefined), 15_000);
    // It is hidden at once and its rows deleted a batch at a time after that.
    const left = async () =>
      ((await worked.handle.db.execute(sql`select (select count(*) from jobs)::int as jobs, (select count(*) from job_inputs)::int as inputs, (select count(*) from job_items)::int as items`)) as unknown as { rows: unknown[] }).rows[0];
    await eventually('its rows to be deleted', async () => (JSON.stringify(await left()) === JSON.stringify({ jobs: 0, inputs: 0, items: 0 }) ? true : undefined));
  },
);
