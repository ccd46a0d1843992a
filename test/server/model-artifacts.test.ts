import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { registerModelVersion } from '../../db/registry.js';
import { NEUTRAL_DISGUST, bearer, onnxGenerator, registerChampion, serverTest } from './harness.js';

const SHIPPED = fileURLToPath(new URL('../../models', import.meta.url));
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

serverTest('first start stores the shipped pictures with each version, and the registry serves them checked', { modelsDir: SHIPPED }, async ({ url, adminKey, translateKey }) => {
  const get = (path: string, key: string | null = adminKey) => fetch(`${url}${path}`, { headers: key ? bearer(key) : {} });
  const version = (await (await get('/v1/models/neutral-to-disgust-v1')).json()) as { artifacts: Array<{ kind: string; sha256: string }> };
  assert.deepEqual(version.artifacts.map((a) => a.kind).sort(), ['auc-chart', 'loss-plot', 'onnx', 'precision-chart', 'sample-grid']);

  for (const [kind, file] of [['sample-grid', 'samples.png'], ['loss-plot', 'losses.png'], ['precision-chart', 'precision.png'], ['auc-chart', 'auc.png']] as const) {
    const response = await get(`/v1/models/neutral-to-disgust-v1/artifacts/${kind}`);
    assert.equal(response.status, 200, kind);
    assert.equal(response.headers.get('content-type'), 'image/png');
    assert.equal(response.headers.get('content-disposition'), `inline; filename="neutral-to-disgust-v1-${kind}.png"`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    assert.deepEqual(bytes, new Uint8Array(readFileSync(join(SHIPPED, 'neutral-to-disgust', file))), `${kind} is ${file} as shipped`);
    assert.equal(response.headers.get('x-artifact-sha256'), sha256(bytes));
  }
  const onnx = await get('/v1/models/neutral-to-surprise-v1/artifacts/onnx');
  assert.equal(onnx.headers.get('content-type'), 'application/octet-stream');
  assert.deepEqual(new Uint8Array(await onnx.arrayBuffer()), new Uint8Array(readFileSync(join(SHIPPED, 'neutral-to-surprise', 'model.onnx'))));

  const problem = async (response: Response) => [response.status, ((await response.json()) as { detail: string }).detail];
  assert.deepEqual(await problem(await get('/v1/models/neutral-to-disgust-v1/artifacts/tfjs')), [404, 'model version neutral-to-disgust-v1 has no tfjs artifact']);
  assert.deepEqual(await problem(await get('/v1/models/neutral-to-disgust-v9/artifacts/onnx')), [404, 'model version neutral->disgust v9 does not exist']);
  assert.equal((await get('/v1/models/neutral-to-disgust-v1/artifacts/weights')).status, 400);
  assert.equal((await get('/v1/models/neutral-to-disgust/artifacts/onnx')).status, 400, 'a translator is not a version');
  assert.equal((await get('/v1/models/neutral-to-disgust-v1/artifacts/onnx', translateKey)).status, 403);
  assert.equal((await get('/v1/models/neutral-to-disgust-v1/artifacts/onnx', null)).status, 401);
});

serverTest('an artifact whose file changed after registration is refused, not served', {}, async ({ url, db, adminKey, dataDir }) => {
  const file = join(dataDir, 'samples.png');
  writeFileSync(file, readFileSync(join(SHIPPED, 'neutral-to-disgust', 'samples.png')));
  await registerModelVersion(db, { ...NEUTRAL_DISGUST, artifacts: [{ kind: 'onnx', bytes: await onnxGenerator(1) }, { kind: 'sample-grid', uri: pathToFileURL(file).href }] });
  const path = `${url}/v1/models/neutral-to-disgust-v1/artifacts/sample-grid`;
  assert.equal((await fetch(path, { headers: bearer(adminKey) })).status, 200);
  writeFileSync(file, 'not the registered picture');
  const refused = await fetch(path, { headers: bearer(adminKey) });
  assert.equal(refused.status, 503);
  assert.match(((await refused.json()) as { detail: string }).detail, /sample-grid artifact of neutral->disgust v1 is corrupt/);
});

serverTest('/v1/translators lists each champion with its verdict, to translate callers only', { modelsDir: SHIPPED }, async ({ url, db, server, translateKey }) => {
  assert.equal((await fetch(`${url}/v1/translators`)).status, 401, 'anonymous callers only where translation is public');
  const list = async () => (await (await fetch(`${url}/v1/translators`, { headers: bearer(translateKey) })).json()) as Array<{ id: string; champion: { id: string; version: number; status: string; verdict: string | null } }>;
  const manifest = JSON.parse(readFileSync(join(SHIPPED, 'neutral-to-disgust', 'manifest.json'), 'utf8')) as { status: string; verdict: string };
  const shipped = await list();
  assert.deepEqual(shipped.map((t) => t.id), ['neutral-to-disgust', 'neutral-to-surprise']);
  assert.deepEqual(shipped[0]!.champion, { id: 'neutral-to-disgust-v1', version: 1, status: manifest.status, verdict: manifest.verdict });

  await registerChampion(db, NEUTRAL_DISGUST, 3, 1);
  await server.engine.refresh();
  assert.deepEqual((await list())[0]!.champion, { id: 'neutral-to-disgust-v2', version: 2, status: 'accepted', verdict: null });
});

serverTest('/v1/translators answers anonymous callers when translation is public', { publicTranslate: true }, async ({ url, db }) => {
  await registerChampion(db, NEUTRAL_DISGUST, 1);
  const response = await fetch(`${url}/v1/translators`);
  assert.equal(response.status, 200);
  assert.deepEqual(((await response.json()) as Array<{ id: string }>).map((t) => t.id), ['neutral-to-disgust']);
});
