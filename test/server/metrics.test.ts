import assert from 'node:assert/strict';
import { zipSync } from 'fflate';
import { NEUTRAL_DISGUST, bearer, faceImage, registerChampion, sample, serverTest } from './harness.js';

// No job worker: a submitted job stays in the backlog for the scrape to count.
serverTest('/metrics: process, event-loop lag, database pool and job backlog series', { jobWorker: false }, async ({ url, db, server, translateKey, databaseUrl }) => {
  await registerChampion(db, NEUTRAL_DISGUST, 1);
  await server.engine.refresh();
  const scrape = async () => {
    const response = await fetch(`${url}/metrics`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    return response.text();
  };

  const idle = await scrape();
  assert.ok(sample(idle, 'process_resident_memory_bytes')! > 0, 'resident memory');
  assert.ok(sample(idle, 'process_cpu_seconds_total')! > 0, 'CPU time');
  assert.ok(sample(idle, 'process_open_fds')! > 0, 'open file descriptors');
  assert.ok(sample(idle, 'nodejs_heap_size_used_bytes')! > 0, 'heap');
  assert.ok(sample(idle, 'nodejs_eventloop_lag_seconds')! >= 0, 'event-loop lag');
  assert.ok(Number.isFinite(sample(idle, 'nodejs_eventloop_lag_p99_seconds')), 'event-loop delay percentiles');
  assert.equal(sample(idle, 'faceaug_db_up'), 1);
  assert.equal(sample(idle, 'faceaug_job_backlog_items{status="pending"}'), 0);
  assert.equal(sample(idle, 'faceaug_job_backlog_jobs'), 0);
  assert.equal(sample(idle, 'faceaug_job_backlog_oldest_seconds'), 0);
  if (!databaseUrl) assert.doesNotMatch(idle, /faceaug_db_pool/, 'PGlite is one in-process connection: no pool series');
  const files: Record<string, Uint8Array> = {};
  for (let i = 0; i < 3; i++) files[`face-${i}.png`] = new Uint8Array(await faceImage(i));
  const submitted = await fetch(`${url}/v1/jobs?targets=disgust&copies=2`, { method: 'POST', headers: { ...bearer(translateKey), 'Content-Type': 'application/zip' }, body: zipSync(files) });
  assert.equal(submitted.status, 202);
  const { id } = (await submitted.json()) as { id: string };

  const queued = await scrape();
  assert.equal(sample(queued, 'faceaug_job_backlog_items{status="pending"}'), 6);
  assert.equal(sample(queued, 'faceaug_job_backlog_items{status="running"}'), 0);
  assert.equal(sample(queued, 'faceaug_job_backlog_jobs'), 1);
  const oldest = sample(queued, 'faceaug_job_backlog_oldest_seconds')!;
  assert.ok(oldest > 0 && oldest < 60, `the job has waited ${oldest} s`);
  // The server's own series are still there, next to the process series.
  assert.match(queued, /faceaug_http_request_duration_seconds_count\{route="\/v1\/jobs",method="POST",status="202"\} 1/);
  assert.match(queued, /# TYPE faceaug_job_items_total counter/);
  if (databaseUrl) {
    // Read after the previous scrape's query and the submission: the pool keeps idle connections for 10 s.
    const open = sample(queued, 'faceaug_db_pool_connections{state="idle"}')! + sample(queued, 'faceaug_db_pool_connections{state="busy"}')!;
    assert.ok(open >= 1 && open <= 10, `the pool holds ${open} connections`);
    assert.equal(sample(queued, 'faceaug_db_pool_max_connections'), 10);
    assert.equal(sample(queued, 'faceaug_db_pool_waiting'), 0);
  }

  assert.equal((await fetch(`${url}/v1/jobs/${id}`, { method: 'DELETE', headers: bearer(translateKey) })).status, 204);
  const emptied = await scrape();
  assert.equal(sample(emptied, 'faceaug_job_backlog_items{status="pending"}'), 0);
  assert.equal(sample(emptied, 'faceaug_job_backlog_jobs'), 0);
});
