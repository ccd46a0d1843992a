import assert from 'node:assert/strict';
import { promote } from '../../db/registry.js';
import { NEUTRAL_DISGUST, bearer, eventually, faceImage, registerChampion, registerGenerator, serverTest } from './harness.js';

serverTest('promote and rollback take effect live, through the API or from another process', {}, async ({ url, db, server, adminKey, translateKey, restart, databaseUrl }) => {
  const v1 = await registerChampion(db, NEUTRAL_DISGUST, 1);
  const v2 = await registerGenerator(db, NEUTRAL_DISGUST, 2);
  const v3 = await registerGenerator(db, NEUTRAL_DISGUST, 3);
  await server.engine.refresh();
  const face = new Uint8Array(await faceImage(5));
  const translate = async (base = url, query = '') => {
    const response = await fetch(`${base}/v1/translate?target=disgust${query}`, { method: 'POST', headers: { ...bearer(translateKey), 'Content-Type': 'image/png' }, body: face });
    assert.equal(response.status, 200, await response.clone().text());
    return Number(response.headers.get('x-model-version'));
  };
  const admin = (path: string, body?: unknown) =>
    fetch(`${url}/v1/models/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { ...bearer(adminKey), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  assert.equal(await translate(), v1.version);

  // Through this server's API: the answer changes with the response.
  const promoted = await admin('neutral-to-disgust-v2/promote', { expectedVersion: 1, reason: 'sharper eyes' });
  assert.equal(promoted.status, 200, await promoted.clone().text());
  assert.deepEqual((({ fromVersion, toVersion, reason }) => ({ fromVersion, toVersion, reason }))((await promoted.json()) as Record<string, unknown>), { fromVersion: 1, toVersion: 2, reason: 'sharper eyes' });
  assert.equal(await translate(), v2.version);
  assert.equal(await translate(url, '&version=1'), v1.version, 'an explicit version is still served');

  // From elsewhere (the CLI, another instance): picked up by the poll while requests keep flowing.
  const other = databaseUrl ? await restart() : undefined;
  if (other) assert.equal(await translate(other.url), v2.version);
  const seen: number[] = [];
  let flowing = true;
  const traffic = (async () => {
    while (flowing) seen.push(await translate());
  })();
  await promote(db, { ...v3, expectedVersion: 2, actor: 'cli', force: { reason: 'candidate on trial' } });
  await eventually('v3 to be served', async () => (seen.at(-1) === v3.version ? true : undefined));
  flowing = false;
  await traffic;
  assert.ok(seen.every((v) => v === v2.version || v === v3.version), `every request answered by v2 or v3: ${seen}`);
  if (other) await eventually('the other instance to serve v3', async () => ((await translate(other.url)) === v3.version ? true : undefined));

  const rolledBack = await admin('neutral-to-disgust/rollback', { reason: 'v3 was a trial' });
  assert.equal(rolledBack.status, 200);
  assert.equal(await translate(), v2.version);
  if (other) await eventually('the other instance to roll back', async () => ((await translate(other.url)) === v2.version ? true : undefined));

  const history = (await (await admin('neutral-to-disgust/history')).json()) as Array<{ action: string; toVersion: number; actor: string; forced: boolean }>;
  assert.deepEqual(
    history.map((e) => [e.action, e.toVersion, e.forced]),
    [['promote', 1, false], ['promote', 2, false], ['promote', 3, true], ['rollback', 2, false]],
  );
  assert.match(history[1]!.actor, /^api key admin \(first start\) \(fa_/);

  const translator = (await (await admin('neutral-to-disgust')).json()) as { champion: number; versions: Array<{ id: string; aliases: string[] }> };
  assert.equal(translator.champion, 2);
  assert.deepEqual(translator.versions.map((v) => [v.id, v.aliases]), [['neutral-to-disgust-v1', []], ['neutral-to-disgust-v2', ['champion']], ['neutral-to-disgust-v3', []]]);
  const listed = (await (await fetch(`${url}/v1/models?status=accepted`, { headers: bearer(adminKey) })).json()) as Array<{ id: string }>;
  assert.deepEqual(listed.map((v) => v.id), ['neutral-to-disgust-v1', 'neutral-to-disgust-v2', 'neutral-to-disgust-v3']);

  assert.equal((await admin('neutral-to-disgust-v2/archive', {})).status, 409, 'the champion cannot be archived');
  const archived = await admin('neutral-to-disgust-v1/archive', {});
  assert.equal(archived.status, 200);
  assert.equal(((await archived.json()) as { status: string }).status, 'archived');
  const gone = await fetch(`${url}/v1/translate?target=disgust&version=1`, { method: 'POST', headers: { ...bearer(translateKey), 'Content-Type': 'image/png' }, body: face });
  assert.equal(gone.status, 404);
});
