import assert from 'node:assert/strict';
import { connect } from 'node:net';
import sharp from 'sharp';
import { sql } from 'drizzle-orm';
import { promote } from '../../db/registry.js';
import { NEUTRAL_DISGUST, bearer, eventually, faceImage, registerChampion, registerGenerator, serverTest } from './harness.js';

interface ProblemJson {
  type: string;
  title: string;
  status: number;
  detail: string;
  requestId: string;
  errors?: Array<{ path: string; message: string }>;
}

/** Checks a response is an RFC 9457 problem with `status` and returns its body. */
async function problem(response: Response, status: number, detail?: RegExp): Promise<ProblemJson> {
  const text = await response.text();
  assert.equal(response.status, status, text);
  assert.equal(response.headers.get('content-type'), 'application/problem+json');
  const body = JSON.parse(text) as ProblemJson;
  assert.equal(body.status, status);
  assert.match(body.type, /^\/docs#problem-[a-z-]+$/);
  assert.equal(body.requestId, response.headers.get('x-request-id'));
  if (detail) assert.match(body.detail, detail);
  return body;
}

const png = (body: Uint8Array<ArrayBuffer>, key: string, query = 'target=disgust') => (url: string) =>
  fetch(`${url}/v1/translate?${query}`, { method: 'POST', headers: { ...bearer(key), 'Content-Type': 'image/png' }, body });

serverTest('every client error is a problem+json with the right status, never a 500', { maxUploadBytes: 50_000, maxImagePixels: 100 * 100 }, async ({ url, db, server, adminKey, translateKey }) => {
  const v1 = await registerChampion(db, NEUTRAL_DISGUST, 1);
  await registerGenerator(db, NEUTRAL_DISGUST, 2);
  await server.engine.refresh();
  const face = new Uint8Array(await faceImage(1));

  // 400: bad parameters, named per field.
  const badTarget = await problem(await png(face, translateKey, 'target=joy')(url), 400, /target/);
  assert.equal(badTarget.errors?.[0]?.path, 'target');
  await problem(await png(face, translateKey, '')(url), 400, /target/);
  await problem(await png(face, translateKey, 'target=disgust&size=5')(url), 400, /size/);
  await problem(await png(face, translateKey, 'target=neutral')(url), 400, /source and target are both 'neutral'/);
  const noImage = new FormData();
  noImage.append('picture', new Blob([face]), 'face.png');
  await problem(await fetch(`${url}/v1/translate?target=disgust`, { method: 'POST', headers: bearer(translateKey), body: noImage }), 400, /no 'image' field/);
  await problem(await fetch(`${url}/v1/models/neutral-to-disgust-v2/promote`, { method: 'POST', headers: { ...bearer(adminKey), 'Content-Type': 'application/json' }, body: '{"expectedVersion": "one"}' }), 400, /expectedVersion/);

  // 401 and 403.
  const anonymous = await fetch(`${url}/v1/translate?target=disgust`, { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: face });
  assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer realm="faceaug"');
  await problem(anonymous, 401, /needs an API key with the 'translate' scope/);
  await problem(await png(face, `fa_${'x'.repeat(43)}`)(url), 401, /unknown or revoked/);
  await problem(await fetch(`${url}/v1/models`, { headers: { Authorization: 'Basic abc' } }), 401, /Bearer/);
  await problem(await fetch(`${url}/v1/models`, { headers: bearer(translateKey) }), 403, /needs 'admin'/);

  // 404: unknown model, version, job, endpoint.
  await problem(await png(face, translateKey, 'target=happy')(url), 404, /neutral->happy has no champion/);
  await problem(await png(face, translateKey, 'target=disgust&version=9')(url), 404, /neutral->disgust v9 does not exist/);
  await problem(await fetch(`${url}/v1/models/neutral-to-happy-v9`, { headers: bearer(adminKey) }), 404);
  await problem(await fetch(`${url}/v1/jobs/00000000-0000-4000-8000-000000000000`, { headers: bearer(translateKey) }), 404, /job .* does not exist/);
  await problem(await fetch(`${url}/v1/jobs/not-a-uuid/result`, { headers: bearer(translateKey) }), 404);
  await problem(await fetch(`${url}/v2/nothing`), 404, /no endpoint GET \/v2\/nothing/);

  // 409: a promote that names a champion which is no longer the champion.
  const promote = (expectedVersion: number | null) =>
    fetch(`${url}/v1/models/neutral-to-disgust-v2/promote`, { method: 'POST', headers: { ...bearer(adminKey), 'Content-Type': 'application/json' }, body: JSON.stringify({ expectedVersion }) });
  await problem(await promote(null), 409, new RegExp(`stale promote of neutral->disgust: expected champion none, but it is v${v1.version}`));

  // 413: over the upload limit, refused from Content-Length.
  await problem(await png(new Uint8Array(60_000), translateKey)(url), 413, /at most 50000 bytes/);

  // 415: a media type or bytes that are not JPEG, PNG or WebP.
  await problem(await fetch(`${url}/v1/translate?target=disgust`, { method: 'POST', headers: { ...bearer(translateKey), 'Content-Type': 'text/plain' }, body: 'hello' }), 415, /not 'text\/plain'/);
  const gif = new Uint8Array(await sharp(Buffer.alloc(16 * 16 * 3, 90), { raw: { width: 16, height: 16, channels: 3 } }).gif().toBuffer());
  await problem(await fetch(`${url}/v1/translate?target=disgust`, { method: 'POST', headers: { ...bearer(translateKey), 'Content-Type': 'application/octet-stream' }, body: gif }), 415, /not a JPEG, PNG or WebP/);
  await problem(await png(gif, translateKey)(url), 415);

  // 422: a truncated PNG, and one over the pixel limit.
  await problem(await png(face.subarray(0, face.length - 40), translateKey)(url), 422, /cannot decode the PNG image/);
  await problem(await png(new Uint8Array(await faceImage(1, { side: 120 })), translateKey)(url), 422, /pixel limit/);

  // The server is fine afterwards, and logged no 5xx.
  assert.equal((await png(face, translateKey)(url)).status, 200);
  assert.ok(!server.engine.budget.waiting);
});

serverTest(
  'overload: 429 per client, 503 + Retry-After when the queue is full, 504 on timeout',
  // A batch waits 5 s for company, a request only 1 s: every request times out, unless refused first.
  { maxQueue: 1, maxInflightPerClient: 1, maxWaitMs: 5000, requestTimeoutMs: 1000 },
  async ({ url, db, server, adminKey, translateKey }) => {
    await registerChampion(db, NEUTRAL_DISGUST, 1);
    await server.engine.refresh();
    const face = new Uint8Array(await faceImage(1));

    await problem(await png(face, translateKey)(url), 504, /no result within 1000 ms/);

    const sameClient = await Promise.all([png(face, translateKey)(url), png(face, translateKey)(url)]);
    const tooMany = sameClient.find((r) => r.status === 429)!;
    assert.ok(tooMany, `statuses ${sameClient.map((r) => r.status)}`);
    assert.equal(tooMany.headers.get('retry-after'), '1');
    await problem(tooMany, 429, /already has 1 requests in flight/);
    await problem(sameClient.find((r) => r !== tooMany)!, 504);

    const twoClients = await Promise.all([png(face, translateKey)(url), png(face, adminKey)(url)]);
    const shed = twoClients.find((r) => r.status === 503)!;
    assert.ok(shed, `statuses ${twoClients.map((r) => r.status)}`);
    assert.equal(shed.headers.get('retry-after'), '1');
    await problem(shed, 503, /queue is full/);
    await problem(twoClients.find((r) => r !== shed)!, 504);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /faceaug_requests_shed_total\{reason="client_limit"\} 1/);
    assert.match(metrics, /faceaug_requests_shed_total\{reason="overloaded"\} 1/);
    assert.match(metrics, /faceaug_requests_shed_total\{reason="timeout"\} 3/);
    assert.match(metrics, /faceaug_http_request_duration_seconds_count\{route="\/v1\/translate",method="POST",status="504"\} 3/);
  },
);

/** Sends raw bytes and returns the raw answer: for requests fetch() would refuse to send. */
async function rawExchange(url: string, request: string): Promise<string> {
  const { port, hostname } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => undefined);
  socket.end(request);
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

serverTest('requests Node cannot parse get a problem body too: 431 for headers over 16 KiB, 400 for a broken request line', {}, async ({ url }) => {
  const huge = await rawExchange(url, `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Filler: ${'a'.repeat(20_000)}\r\n\r\n`);
  const [head, body] = huge.split('\r\n\r\n');
  assert.match(head!, /^HTTP\/1\.1 431 Request Header Fields Too Large/);
  assert.match(head!, /content-type: application\/problem\+json/i);
  assert.deepEqual(JSON.parse(body!), { type: '/docs#problem-headers-too-large', title: 'The request line or headers are too large', status: 431, detail: 'the request line and headers exceed 16 KiB' });
  const broken = await rawExchange(url, 'NOT A REQUEST\r\n\r\n');
  assert.match(broken, /^HTTP\/1\.1 400 Bad Request/);
  assert.equal((JSON.parse(broken.split('\r\n\r\n')[1]!) as { type: string }).type, '/docs#problem-bad-request');
  assert.equal((await fetch(`${url}/health/live`)).status, 200);
});

serverTest('admin JSON bodies are bounded: a 1 MB promote body gets 413 before it is read', {}, async ({ url, adminKey }) => {
  const reason = 'x'.repeat(1024 * 1024);
  for (const action of ['promote', 'rollback']) {
    const response = await fetch(`${url}/v1/models/neutral-to-disgust-v1/${action}`, {
      method: 'POST',
      headers: { ...bearer(adminKey), 'Content-Type': 'application/json' },
      body: JSON.stringify({ expectedVersion: null, reason }),
    });
    await problem(response, 413, /an admin request body may be at most 65536 bytes/);
  }
});

serverTest('a client that leaves mid-upload is logged as gone (499, warn), not as a server error', {}, async ({ url, translateKey, logs }) => {
  const { port, hostname } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => undefined);
  socket.write(
    `POST /v1/translate?target=disgust HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${translateKey}\r\nContent-Type: image/png\r\nContent-Length: 1000000\r\n\r\n`,
  );
  socket.write(Buffer.alloc(100_000, 1));
  await new Promise((resolve) => setTimeout(resolve, 200));
  socket.destroy();
  const line = await eventually('the request log line', async () => logs.find((l) => l.msg === 'request' && l.route === '/v1/translate'));
  assert.deepEqual([line.status, line.level], [499, 'warn']);
  assert.ok(!logs.some((l) => l.level === 'error'), JSON.stringify(logs.filter((l) => l.level === 'error')));
});

serverTest('with the inference queue full, a request is shed before its image is decoded', { maxQueue: 4 }, async ({ url, db, server, translateKey, logs }) => {
  await registerChampion(db, NEUTRAL_DISGUST, 1);
  await server.engine.refresh();
  // Four images waiting: what a burst leaves in the queue. The body is not even an image.
  server.engine.budget.waiting = 4;
  try {
    const shed = await png(new Uint8Array(Buffer.from('not a png at all')), translateKey)(url);
    await problem(shed, 503, /the inference queue is full/);
    assert.equal(shed.headers.get('retry-after'), '1');
  } finally {
    server.engine.budget.waiting = 0;
  }
  const line = await eventually('the request log line', async () => logs.find((l) => l.msg === 'request' && l.status === 503));
  assert.equal(line.level, 'warn', 'shedding load is expected under stress, not an error');
});

serverTest('a champion whose artifact is corrupt answers 503 with the reason, readiness names it, and it is re-read with back-off, not every poll', {}, async ({ url, db, server, translateKey, logs }) => {
  const version = await registerGenerator(db, NEUTRAL_DISGUST, 1);
  // Bit rot, or a hand in the database: the registry's own guards refuse any change to an artifact.
  await db.transaction(async (tx) => {
    await tx.execute(sql`set local session_replication_role = replica`);
    await tx.execute(sql`update model_artifacts set content = ${Buffer.from('not an onnx model')} where kind = 'onnx'`);
  });
  await promote(db, { ...version, expectedVersion: null, actor: 'test', force: { reason: 'corrupt on purpose' } });
  await server.engine.refresh();
  const face = new Uint8Array(await faceImage(1));
  const champion = await png(face, translateKey)(url);
  await problem(champion, 503, /neutral->disgust v1 cannot be served: .*sha256/);
  assert.equal(champion.headers.get('retry-after'), '60');
  await problem(await png(face, translateKey, 'target=disgust&version=1')(url), 503, /sha256/);
  const ready = await fetch(`${url}/health/ready`);
  assert.equal(ready.status, 503);
  assert.match(((await ready.json()) as { detail: string }).detail, /champion failed to load: neutral->disgust v1: .*sha256/);
  // Polled every 200 ms for 1.5 s: without back-off that is ~8 reads of the artifact.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  const attempts = logs.filter((l) => l.msg === 'champion failed to load').length;
  assert.ok(attempts <= 2, `${attempts} attempts to load the corrupt champion`);
});

serverTest('a stalled upload is cut off after the receive timeout with a 408 problem, and logged as the client\'s doing', { receiveTimeoutMs: 600 }, async ({ url, translateKey, logs }) => {
  const { port, hostname } = new URL(url);
  const socket = connect(Number(port), hostname);
  const started = performance.now();
  socket.write(`POST /v1/translate?target=disgust HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${translateKey}\r\nContent-Type: image/png\r\nContent-Length: 100000\r\n\r\n`);
  socket.write(Buffer.alloc(1_000, 1));
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  const answer = Buffer.concat(chunks).toString('utf8');
  const ms = performance.now() - started;
  assert.ok(ms < 3_000, `the stalled upload was held ${ms.toFixed(0)} ms`);
  assert.match(answer, /^HTTP\/1\.1 408 Request Timeout/);
  assert.equal((JSON.parse(answer.split('\r\n\r\n')[1]!) as { type: string }).type, '/docs#problem-request-timeout');
  assert.ok(!logs.some((l) => l.level === 'error'), JSON.stringify(logs.filter((l) => l.level === 'error')));
});
