import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isNotNull } from 'drizzle-orm';
import { zipSync } from 'fflate';
import sharp from 'sharp';
import { claimItems, createJob, deleteAbandonedJobs, jobBacklog } from '../../db/jobs.js';
import { createApiKey } from '../../db/api-keys.js';
import { QuotaError } from '../../db/errors.js';
import { jobInputs, jobItems, jobs } from '../../db/schema/index.js';
import { NEUTRAL_DISGUST, bearer, eventually, registerChampion, serverTest } from './harness.js';

/**
 * The longest /health/live may go unanswered while a job is submitted. A submission stores its
 * inputs in batches of 256 KiB, each a short transaction, and yields between them: on the
 * embedded database a batch holds the event loop for 10-40 ms, and the longest gaps measured are
 * 80-160 ms. The bound leaves room for a loaded 2-core machine (GC pauses, the test's own client
 * and prober sharing the loop), while storing the upload in one transaction held the loop for
 * 3.3 s at this size (16 MiB) on PGlite. On Postgres the old path held it for about 200 ms here,
 * under the bound (it grew with size: 0.7 s at 61 MiB, 3.2 s at 254 MiB in `npm run bench:jobs`);
 * a test upload large enough to catch that would take a minute.
 */
const MAX_LIVENESS_GAP_MS = 400;

/** `count` 48x48 RGB noise PNGs (about 7 KB each: noise does not compress), stored in a zip. */
async function noiseZip(count: number): Promise<{ zip: Uint8Array<ArrayBuffer>; files: Record<string, Uint8Array> }> {
  const files: Record<string, Uint8Array> = {};
  for (let i = 0; i < count; i++) {
    files[`faces/${String(i).padStart(5, '0')}.png`] = new Uint8Array(await sharp(randomBytes(48 * 48 * 3), { raw: { width: 48, height: 48, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer());
  }
  return { zip: zipSync(files, { level: 0 }) as Uint8Array<ArrayBuffer>, files };
}

/** Asks /health/live every 10 ms until stopped; the longest time between two answers is how long the event loop was held, at worst. */
function probeLiveness(url: string) {
  let probing = true;
  let maxGap = 0;
  let probes = 0;
  const running = (async () => {
    let last = performance.now();
    while (probing) {
      assert.equal((await fetch(`${url}/health/live`)).status, 200);
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      probes++;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return {
    async stop() {
      probing = false;
      await running;
      return { maxGap, probes };
    },
  };
}

interface JobJson {
  id: string;
  status: string;
  itemCount: number;
  counts: { pending: number; running: number; done: number; failed: number };
}

serverTest(
  'a multi-MB job upload never leaves /health/live unanswered for long, and its job is stored whole',
  // No worker: this measures the submission alone.
  { jobWorker: false, maxJobImages: 5_000, maxJobItems: 5_000 },
  async (ts, t) => {
    await registerChampion(ts.db, NEUTRAL_DISGUST, 1);
    await ts.server.engine.refresh();
    const { zip } = await noiseZip(2_400);
    assert.ok(zip.length > 16 << 20, `${zip.length} bytes`);

    const probe = probeLiveness(ts.url);
    const answer = await fetch(`${ts.url}/v1/jobs?targets=disgust`, { method: 'POST', headers: { ...bearer(ts.translateKey), 'Content-Type': 'application/zip' }, body: zip });
    const { maxGap, probes } = await probe.stop();
    t.diagnostic(`longest /health/live gap during the ${(zip.length / 2 ** 20).toFixed(1)} MiB upload: ${maxGap.toFixed(0)} ms (${probes} probes)`);
    assert.equal(answer.status, 202, await answer.clone().text());
    assert.ok(maxGap < MAX_LIVENESS_GAP_MS, `/health/live went ${maxGap.toFixed(0)} ms without an answer during the upload (${probes} probes)`);
    const { id } = (await answer.json()) as JobJson;
    const job = (await (await fetch(`${ts.url}/v1/jobs/${id}`, { headers: bearer(ts.translateKey) })).json()) as JobJson;
    assert.deepEqual([job.status, job.itemCount, job.counts], ['queued', 2_400, { pending: 2_400, running: 0, done: 0, failed: 0 }]);
  },
);

serverTest(
  'a submission that fails halfway (a corrupt entry late in the archive) answers 400 and leaves nothing stored',
  {},
  async ({ url, db, server, translateKey }) => {
    await registerChampion(db, NEUTRAL_DISGUST, 1);
    await server.engine.refresh();
    const { files } = await noiseZip(100);
    // Stored noise fills several batches before the last entry, deflated, is found not to inflate.
    const zip = zipSync({ ...Object.fromEntries(Object.entries(files).map(([name, data]) => [name, [data, { level: 0 }]])), 'zz.png': [new Uint8Array(5_000), { level: 6 }] });
    const header = Buffer.from(zip).lastIndexOf('zz.png', Buffer.from(zip).indexOf('PK\x01\x02')) - 30;
    const view = new DataView(zip.buffer, zip.byteOffset);
    const data = header + 30 + view.getUint16(header + 26, true) + view.getUint16(header + 28, true);
    zip.fill(0xff, data, data + 8);
    const answer = await fetch(`${url}/v1/jobs?targets=disgust`, { method: 'POST', headers: { ...bearer(translateKey), 'Content-Type': 'application/zip' }, body: zip as Uint8Array<ArrayBuffer> });
    assert.equal(answer.status, 400);
    assert.match(((await answer.json()) as { detail: string }).detail, /not a readable zip archive: 'zz.png' does not inflate/);
    assert.deepEqual([await db.$count(jobs), await db.$count(jobInputs), await db.$count(jobItems)], [0, 0, 0]);
  },
);

serverTest(
  'a job is invisible while it is stored, counts against its key in full, and is deleted once its submission died and its lease ran out',
  {},
  async ({ url, db, adminKey, server }) => {
    await registerChampion(db, NEUTRAL_DISGUST, 1);
    await server.engine.refresh();
    const { key } = await createApiKey(db, { name: 'bulk', scopes: ['translate'] });
    const apiKeyId = key.id;
    // A submission that stalls in its third batch, as one whose process died there would stay.
    let resume!: () => void;
    const stalled = new Promise<void>((resolve) => (resume = resolve));
    const inputs = Array.from({ length: 3_000 }, (_, i) => ({
      name: `f${i}.png`,
      size: 1_000,
      read: async () => {
        if (i === 2_500) await stalled;
        return new Uint8Array(1_000).fill(i % 256);
      },
    }));
    const spec = { source: 'neutral' as const, targets: ['disgust' as const], copies: 1, seed: 1, format: 'png' as const, size: 48, models: { disgust: { version: 1, sha256: 'x' } }, apiKeyId };
    const limits = { maxItemsInFlight: 3_000, leaseMs: 1_000 };
    const submission = createJob(db, { ...spec, inputs }, limits);
    submission.catch(() => undefined);
    const [storing] = await eventually('the first batches to be stored', async () => {
      const rows = await db.select({ id: jobs.id }).from(jobs).where(isNotNull(jobs.storingUntil));
      const stored = rows.length === 1 ? await db.$count(jobInputs) : 0;
      return stored >= 2_000 ? rows : undefined;
    });
    const id = storing!.id;

    await assert.rejects(createJob(db, { ...spec, inputs: inputs.slice(0, 1) }, limits), QuotaError, 'its 3,000 items count against the key');
    assert.equal((await fetch(`${url}/v1/jobs/${id}`, { headers: bearer(adminKey) })).status, 404, 'not even an admin sees a job being stored');
    assert.deepEqual(await claimItems(db, { token: '00000000-0000-4000-8000-000000000001', limit: 10, leaseMs: 1_000 }), [], 'no worker claims its items');
    assert.deepEqual(await jobBacklog(db), { pending: 0, running: 0, unfinishedJobs: 0, oldestUnfinishedSeconds: 0 });

    await eventually('the sweep to delete it once its lease has run out', async () => ((await deleteAbandonedJobs(db)) === 1 ? true : undefined));
    assert.deepEqual([await db.$count(jobs), await db.$count(jobInputs), await db.$count(jobItems)], [0, 0, 0]);
    resume();
    await assert.rejects(submission, /given up while it was being stored/, 'the submission cannot come back to it');
    await createJob(db, { ...spec, inputs: inputs.slice(0, 1) }, limits);
  },
);
