import assert from 'node:assert/strict';
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
