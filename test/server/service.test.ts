import assert from 'node:assert/strict';
import { Agent, get as httpGet } from 'node:http';
import { NEUTRAL_DISGUST, bearer, eventually, faceImage, registerChampion, serverTest } from './harness.js';

// A 100 ms batching window (default 2 ms): on a loaded machine twelve concurrent uploads can
// arrive further apart than 2 ms each, and the batching check below would see twelve batches.
serverTest('health, readiness, metrics, OpenAPI and docs; request ids in JSON logs', { maxWaitMs: 100 }, async ({ url, db, server, translateKey, logs }) => {
  assert.deepEqual(await (await fetch(`${url}/health/live`)).json(), { status: 'ok' });
  const ready = await fetch(`${url}/health/ready`);
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { status: 'ready', checks: { database: true, migrations: true, champions: true } });

  const spec = (await (await fetch(`${url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
  assert.equal(spec.openapi, '3.0.3');
  const operations = Object.entries(spec.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
  for (const op of [
    'POST /v1/translate',
    'POST /v1/jobs',
    'GET /v1/jobs/{id}',
    'GET /v1/jobs/{id}/result',
    'GET /v1/models',
    'GET /v1/models/{id}',
    'POST /v1/models/{id}/promote',
    'POST /v1/models/{id}/rollback',
    'GET /v1/models/{id}/rollback',
    'POST /v1/models/{id}/archive',
    'GET /v1/models/{id}/history',
    'GET /v1/models/{id}/artifacts/{kind}',
    'GET /v1/translators',
    'GET /health/live',
    'GET /health/ready',
    'GET /metrics',
  ]) {
    assert.ok(operations.includes(op), `${op} is documented`);
  }
  const docs = await fetch(`${url}/docs`);
  assert.match(docs.headers.get('content-type') ?? '', /text\/html/);
  const html = await docs.text();
  assert.match(html, /<code>\/v1\/jobs\/\{id\}\/result<\/code>/);
  assert.match(html, /id="problem-overloaded"/);
  assert.doesNotMatch(html, /<script|https?:\/\/(?!localhost)/, 'self-contained: no scripts, nothing fetched from elsewhere');

  await registerChampion(db, NEUTRAL_DISGUST, 1);
  await server.engine.refresh();
  const face = new Uint8Array(await faceImage(1));
  // Concurrent requests share onnxruntime calls.
  const responses = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      fetch(`${url}/v1/translate?target=disgust`, { method: 'POST', headers: { ...bearer(translateKey), 'Content-Type': 'image/png', 'X-Request-Id': `trace-${i}` }, body: face }),
    ),
  );
  assert.deepEqual(responses.map((r) => r.status), Array(12).fill(200));
  assert.deepEqual(responses.map((r) => r.headers.get('x-request-id')), Array.from({ length: 12 }, (_, i) => `trace-${i}`), 'a caller-supplied request id is kept');

  const metrics = await (await fetch(`${url}/metrics`)).text();
  assert.match(metrics, /faceaug_http_request_duration_seconds_count\{route="\/v1\/translate",method="POST",status="200"\} 12/);
  const batches = Number(/faceaug_inference_batch_size_count (\d+)/.exec(metrics)?.[1]);
  const images = Number(/faceaug_inference_batch_size_sum (\d+)/.exec(metrics)?.[1]);
  assert.equal(images, 12);
  assert.ok(batches < 12, `12 concurrent requests ran in ${batches} batches`);
  assert.match(metrics, /faceaug_inference_duration_seconds_count\{translator="neutral->disgust"\} \d+/);
  assert.match(metrics, /faceaug_inference_queue_depth 0/);

  const line = logs.find((entry) => entry.requestId === 'trace-3');
  assert.ok(line, 'every request is logged with its id');
  assert.deepEqual([line.msg, line.method, line.route, line.status, line.key], ['request', 'POST', '/v1/translate', 200, translateKey.slice(0, 11)]);
  assert.equal(typeof line.ms, 'number');
});

serverTest('public translation needs no key, but a sent key must be valid; operators still need admin', { publicTranslate: true }, async ({ url, db, server }) => {
  await registerChampion(db, NEUTRAL_DISGUST, 1);
  await server.engine.refresh();
  const face = new Uint8Array(await faceImage(1));
  assert.equal((await fetch(`${url}/v1/translate?target=disgust`, { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: face })).status, 200);
  assert.equal((await fetch(`${url}/v1/translate?target=disgust`, { method: 'POST', headers: { ...bearer('fa_nope'), 'Content-Type': 'image/png' }, body: face })).status, 401);
  assert.equal((await fetch(`${url}/v1/models`)).status, 401);
});

serverTest('graceful shutdown: in-flight requests finish, new connections are refused', { maxWaitMs: 600 }, async ({ url, db, server, translateKey }) => {
  await registerChampion(db, NEUTRAL_DISGUST, 1);
  await server.engine.refresh();
  const face = new Uint8Array(await faceImage(1));
  const inFlight = fetch(`${url}/v1/translate?target=disgust`, { method: 'POST', headers: { ...bearer(translateKey), 'Content-Type': 'image/png', Connection: 'close' }, body: face });
  // Shutdown begins once the request is waiting in the inference queue, where its batch waits
  // 600 ms for company. The queue has no event to wait on, so this polls its depth (every 25 ms).
  await eventually('the request to wait for inference', async () => (server.engine.budget.waiting === 1 ? true : undefined));
  const closing = server.close();
  assert.equal((await inFlight).status, 200);
  await closing;
  await assert.rejects(fetch(`${url}/health/live`), 'the port is closed');
});

serverTest('graceful shutdown under keep-alive load: answers close their connections, none is reset, and it exits without waiting out the grace', { shutdownGraceMs: 8_000 }, async ({ url, server }) => {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const { port } = new URL(url);
  const outcomes = { ok: 0, refused: 0, reset: 0, other: [] as string[] };
  const get = () =>
    new Promise<void>((resolve) => {
      const request = httpGet({ host: '127.0.0.1', port: Number(port), path: '/health/live', agent }, (response) => {
        response.resume();
        response.on('end', () => {
          outcomes.ok++;
          resolve();
        });
      });
      request.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNREFUSED') outcomes.refused++;
        else if (error.code === 'ECONNRESET') outcomes.reset++;
        else outcomes.other.push(String(error.code ?? error.message));
        resolve();
      });
    });
  let running = true;
  // Eight clients, each sending its next request on its kept-alive connection as soon as the last answer arrives.
  const clients = Array.from({ length: 8 }, async () => {
    while (running) {
      const refusedBefore = outcomes.refused;
      await get();
      if (outcomes.refused > refusedBefore) return;
    }
  });
  await eventually('traffic on kept-alive connections', async () => (outcomes.ok > 200 ? true : undefined));
  const started = performance.now();
  await server.close();
  const closeMs = performance.now() - started;
  running = false;
  await Promise.all(clients);
  agent.destroy();
  assert.deepEqual([outcomes.reset, outcomes.other], [0, []], JSON.stringify(outcomes));
  assert.ok(closeMs < 2_000, `shutdown took ${closeMs.toFixed(0)} ms of its 8000 ms grace`);
});
