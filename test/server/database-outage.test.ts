import assert from 'node:assert/strict';
import { createApiKey } from '../../db/api-keys.js';
import { postgresTest } from '../helpers/postgres.js';
import { TcpProxy, type ProxyMode } from '../helpers/tcp-proxy.js';
import { NEUTRAL_DISGUST, bearer, eventually, faceImage, registerChampion, sample, withServer } from './harness.js';

const QUERY_TIMEOUT_MS = 2_000;

postgresTest(
  'with its database down or hung, the server keeps serving recently verified keys, answers 503 with Retry-After elsewhere, stays ready-probeable, and recovers',
  async (databaseUrl) => {
    const real = new URL(databaseUrl);
    const proxy = await TcpProxy.start({ host: real.hostname, port: Number(real.port || 5432) });
    const proxied = new URL(databaseUrl);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    // The pool reads its timeouts from the environment when the server opens it.
    const saved = process.env.FACEAUG_DATABASE_QUERY_TIMEOUT_MS;
    process.env.FACEAUG_DATABASE_QUERY_TIMEOUT_MS = String(QUERY_TIMEOUT_MS);
    try {
      await withServer(proxied.toString(), { keyCacheMs: 100, keyStaleMs: 60_000 }, async ({ url, db, server, adminKey, translateKey }) => {
        await registerChampion(db, NEUTRAL_DISGUST, 1);
        await server.engine.refresh();
        const unseen = async (mode: ProxyMode) => (await createApiKey(db, { name: `never used before the ${mode} outage`, scopes: ['translate'] })).plaintext;
        const unseenKeys = { down: await unseen('down'), hung: await unseen('hung') };
        const face = new Uint8Array(await faceImage(2));
        const timed = async (path: string, init: RequestInit = {}) => {
          const started = performance.now();
          const response = await fetch(`${url}${path}`, init);
          return { response, ms: performance.now() - started, body: await response.text() };
        };
        const translate = (key: string) => timed('/v1/translate?target=disgust', { method: 'POST', headers: { ...bearer(key), 'Content-Type': 'image/png' }, body: face });
        assert.equal((await translate(translateKey)).response.status, 200);

        for (const mode of ['down', 'hung'] as const) {
          const unseenKey = unseenKeys[mode];
          await new Promise((resolve) => setTimeout(resolve, 150)); // past keyCacheMs: every key is re-checked
          await proxy.set(mode);
          const known = await translate(translateKey);
          assert.equal(known.response.status, 200, `${mode}: a recently verified key is still served (${known.body})`);
          assert.ok(known.ms < 1_500, `${mode}: it waited ${known.ms.toFixed(0)} ms for the database`);

          const unknown = await translate(unseenKey);
          assert.equal(unknown.response.status, 503, `${mode}: ${unknown.body}`);
          assert.equal(unknown.response.headers.get('retry-after'), '5');
          assert.equal((JSON.parse(unknown.body) as { type: string }).type.endsWith('database-unavailable'), true);
          assert.ok(unknown.ms < QUERY_TIMEOUT_MS + 1_500, `${mode}: a key never seen waited ${unknown.ms.toFixed(0)} ms`);

          const models = await timed('/v1/models', { headers: bearer(adminKey) });
          assert.equal(models.response.status, 503, `${mode}: ${models.body}`);

          const ready = await timed('/health/ready');
          assert.equal(ready.response.status, 503);
          assert.ok(ready.ms < 1_000, `${mode}: /health/ready took ${ready.ms.toFixed(0)} ms`);
          const readiness = JSON.parse(ready.body) as { checks: { database: boolean }; detail: string };
          assert.equal(readiness.checks.database, false);
          assert.match(readiness.detail, /database unreachable/);

          // A scrape still answers, in time, with the process series and the database marked down.
          const metrics = await timed('/metrics');
          assert.equal(metrics.response.status, 200);
          assert.ok(metrics.ms < 1_500, `${mode}: /metrics took ${metrics.ms.toFixed(0)} ms`);
          assert.ok(sample(metrics.body, 'process_resident_memory_bytes')! > 0);
          assert.equal(sample(metrics.body, 'faceaug_db_up'), 0);
          assert.doesNotMatch(metrics.body, /^faceaug_job_backlog_/m, `${mode}: no backlog samples without a database`);

          await proxy.set('up');
          await eventually(`ready again after ${mode}`, async () => ((await fetch(`${url}/health/ready`)).status === 200 ? true : undefined), 15_000);
          assert.equal((await translate(unseenKey)).response.status, 200, `${mode}: recovered by itself`);
          const recovered = await eventually(`the backlog in /metrics after ${mode}`, async () => {
            const body = await (await fetch(`${url}/metrics`)).text();
            return sample(body, 'faceaug_db_up') === 1 ? body : undefined;
          });
          assert.equal(sample(recovered, 'faceaug_job_backlog_jobs'), 0);
        }
      });
    } finally {
      if (saved === undefined) delete process.env.FACEAUG_DATABASE_QUERY_TIMEOUT_MS;
      else process.env.FACEAUG_DATABASE_QUERY_TIMEOUT_MS = saved;
      await proxy.close();
    }
  },
  { why: 'a database outage needs a database server to lose' },
);
