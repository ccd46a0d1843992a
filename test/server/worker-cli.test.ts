import assert from 'node:assert/strict';
import { zipSync } from 'fflate';
import { spawnFaceaug } from '../helpers/cli.js';
import { postgresTest } from '../helpers/postgres.js';
import { NEUTRAL_DISGUST, bearer, eventually, faceImage, registerChampion, withServer } from './harness.js';

// Separate processes need a shared database server: PGlite belongs to one process.
postgresTest('`faceaug worker` processes the jobs of a server that runs none itself', (databaseUrl) =>
  withServer(databaseUrl, { jobWorker: false }, async ({ url, db, server, translateKey, dataDir }) => {
    await registerChampion(db, NEUTRAL_DISGUST, 1);
    await server.engine.refresh();
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 4; i++) files[`face-${i}.png`] = new Uint8Array(await faceImage(i));
    const response = await fetch(`${url}/v1/jobs?targets=disgust`, { method: 'POST', headers: { ...bearer(translateKey), 'Content-Type': 'application/zip' }, body: zipSync(files) });
    assert.equal(response.status, 202);
    const { id } = (await response.json()) as { id: string };
    const status = async () => (await (await fetch(`${url}/v1/jobs/${id}`, { headers: bearer(translateKey) })).json()) as { status: string; counts: { done: number } };

    const env = { DATABASE_URL: databaseUrl, FACEAUG_DATA_DIR: dataDir, FACEAUG_JOB_POLL_MS: '50' };
    const worker = spawnFaceaug(['worker', '--claim-size', '2'], env, { stdio: ['ignore', 'ignore', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => worker.on('exit', resolve));
    try {
      const done = await eventually('the worker to finish the job', async () => {
        const current = await status();
        return current.status === 'completed' ? current : undefined;
      }, 60_000);
      assert.equal(done.counts.done, 4);
    } finally {
      worker.kill('SIGTERM');
    }
    assert.equal(await exited, 0, 'the worker stops cleanly on SIGTERM');
    // Who did the work, counted rather than guessed from a job that stayed queued for a while:
    // the server's own count of finished job items (by this process) has no sample at all.
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /# TYPE faceaug_job_items_total counter/);
    assert.doesNotMatch(metrics, /^faceaug_job_items_total/m, 'the server itself finished no job item');
  }),
  { why: 'workers in other processes need a Postgres server' },
);
