import assert from 'node:assert/strict';
import { NEUTRAL_DISGUST, bearer, faceImage, registerChampion, registerGenerator, serverTest } from './harness.js';

// More pinned versions in use than the engine keeps open (4) makes it close sessions while
// requests that already resolved them are still decoding their images.
// Many requests at once from one key: its in-flight limit is not what this test is about.
serverTest('requests rotating over more pinned versions than stay loaded are all served by the version they asked for', { maxInflightPerClient: 128 }, async ({ url, db, server, translateKey }) => {
  await registerChampion(db, NEUTRAL_DISGUST, 1);
  for (let seed = 2; seed <= 7; seed++) await registerGenerator(db, NEUTRAL_DISGUST, seed);
  await server.engine.refresh();
  // Large uploads keep each request in decoding for a while after it resolved its version.
  const face = new Uint8Array(await faceImage(3, { side: 1024 }));
  const request = async (i: number) => {
    const version = 2 + (i % 6);
    const response = await fetch(`${url}/v1/translate?target=disgust&faces=none&version=${version}`, {
      method: 'POST',
      headers: { ...bearer(translateKey), 'Content-Type': 'image/png' },
      body: face,
    });
    const body = await response.text();
    return { status: response.status, version, served: Number(response.headers.get('x-model-version')), body };
  };
  const results = await Promise.all(Array.from({ length: 96 }, (_, i) => request(i)));
  const failed = results.filter((r) => r.status !== 200);
  assert.deepEqual(failed.slice(0, 3), [], `${failed.length} of ${results.length} requests failed`);
  assert.ok(results.every((r) => r.served === r.version));
});
