import { createHash, randomUUID } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import { type SQL, and, asc, eq, gt, inArray, isNull, lt, lte, sql } from 'drizzle-orm';
import { type Expression, isExpression } from '../core/expressions.js';
import type { Database } from './client.js';
import { NotFoundError, QuotaError, ValidationError } from './errors.js';
import { claimable, claimedBy, heldBy, released, unclaimed } from './leases.js';
import type { FaceOption } from '../core/faces/face-options.js';
import { type JobFaceBox, type JobItemStatus, type JobModels, jobInputs, jobItems, jobs } from './schema/index.js';

export type { JobFaceBox, JobModels };

/** An uploaded image, read when its batch is stored: a job's inputs are never all in memory at once. */
export interface JobInput {
  name: string;
  /** Bytes once read (for a zip entry, inflated), as the upload declared them. */
  size: number;
  read(): Promise<Uint8Array>;
}

export interface CreateJobInput {
  source: Expression;
  targets: Expression[];
  copies: number;
  seed: number;
  format: 'png' | 'jpeg' | 'webp';
  size: number;
  faces: FaceOption;
  models: JobModels;
  inputs: readonly JobInput[];
  apiKeyId?: number | null;
}

export type JobStatus = 'queued' | 'running' | 'completed';

export interface Job {
  id: string;
  status: JobStatus;
  source: Expression;
  targets: Expression[];
  copies: number;
  seed: number;
  format: 'png' | 'jpeg' | 'webp';
  size: number;
  faces: FaceOption;
  models: JobModels;
  inputCount: number;
  /** Outputs so far planned: one per input, target and copy, plus one per further face found (faces=all). */
  itemCount: number;
  counts: Record<JobItemStatus, number>;
  createdAt: Date;
  finishedAt: Date | null;
}

/**
 * One stored batch: on PGlite every statement runs on the event loop's thread, so a batch must be
 * small enough to leave it within tens of milliseconds: it stores bytea at about 100 ms per MiB.
 */
const BATCH_BYTES = 256 << 10;
const BATCH_ROWS = 1_000;

/**
 * Leases are read on the clock, not at transaction start (now()): a statement that waited for a
 * row lock must see a lease that ran out meanwhile as run out.
 */
const clock = sql`clock_timestamp()`;

/** The row of a job whose submission is still storing it, while its lease has not run out. */
const stillStoring = (id: string) => and(eq(jobs.id, id), gt(jobs.storingUntil, clock));

/**
 * Stores a job, its inputs and one pending item per output, in short transactions of a bounded
 * batch each, yielding to the event loop between them, so that neither database is held (nor,
 * on PGlite, the process) for longer than a batch. The job stays invisible to readers and workers
 * until its last batch is in (`storingUntil`); a failure deletes what was stored, and a crash
 * leaves a lease that runs out after `leaseMs` for the workers' sweep to delete. With
 * `maxItemsInFlight`, a key whose unfinished items plus this job's would exceed it is refused
 * (QuotaError); submissions of one key are serialised for that check, and a job being stored
 * counts in full, so concurrent uploads cannot slip past it together.
 */
export async function createJob(db: Database, input: CreateJobInput, limits: { maxItemsInFlight?: number; leaseMs: number }): Promise<Job> {
  if (input.inputs.length === 0) throw new ValidationError('a job needs at least one image');
  if (input.targets.length === 0) throw new ValidationError('a job needs at least one target');
  if (!Number.isInteger(input.copies) || input.copies < 1) throw new ValidationError(`copies must be a positive integer, got ${input.copies}`);
  const unknown = input.targets.filter((target) => !isExpression(target));
  if (unknown.length > 0) throw new ValidationError(`unknown target(s) ${unknown.join(', ')}`);
  const missing = input.targets.filter((target) => !input.models[target]);
  if (missing.length > 0) throw new ValidationError(`no model pinned for target(s) ${missing.join(', ')}`);
  const id = randomUUID();
  const perInput = input.targets.length * input.copies;
  const itemCount = input.inputs.length * perInput;
  const lease = sql`${clock} + ${limits.leaseMs} * interval '1 millisecond'`;
  await db.transaction(async (tx) => {
    if (input.apiKeyId != null && limits.maxItemsInFlight !== undefined) {
      await tx.execute(sql`select pg_advisory_xact_lock(${JOB_QUOTA_LOCK}, ${input.apiKeyId})`);
      const inFlight = await itemsInFlight(tx, input.apiKeyId);
      if (inFlight + itemCount > limits.maxItemsInFlight) {
        throw new QuotaError(`this key has ${inFlight} job items unfinished; ${itemCount} more would pass its limit of ${limits.maxItemsInFlight}`);
      }
    }
    await tx.insert(jobs).values({
      id,
      source: input.source,
      targets: input.targets,
      copies: input.copies,
      seed: input.seed,
      format: input.format,
      size: input.size,
      faces: input.faces,
      models: input.models,
      inputCount: input.inputs.length,
      itemCount,
      apiKeyId: input.apiKeyId ?? null,
      storingUntil: lease,
    });
  });
  try {
    for (let start = 0; start < input.inputs.length; ) {
      let end = start + 1;
      let bytes = input.inputs[start]!.size;
      while (end < input.inputs.length && bytes + input.inputs[end]!.size <= BATCH_BYTES && (end + 1 - start) * perInput <= BATCH_ROWS) bytes += input.inputs[end++]!.size;
      const rows: Array<typeof jobInputs.$inferInsert> = [];
      // One at a time: inputs lie one after another in the upload, and each is read from where the last ended.
      for (let idx = start; idx < end; idx++) {
        const file = input.inputs[idx]!;
        const content = Buffer.from(await file.read());
        rows.push({ jobId: id, idx, name: file.name, sha256: createHash('sha256').update(content).digest('hex'), content });
      }
      await db.transaction(async (tx) => {
        const [held] = await tx.update(jobs).set({ storingUntil: lease }).where(stillStoring(id)).returning({ id: jobs.id });
        if (!held) throw new Error(`job ${id} was given up while it was being stored: its lease of ${limits.leaseMs} ms ran out between two batches`);
        await tx.insert(jobInputs).values(rows);
        await insertItems(tx, id, input.targets, input.copies, start, end);
      });
      start = end;
      await setImmediate();
    }
    const [stored] = await db.update(jobs).set({ storingUntil: null }).where(stillStoring(id)).returning({ id: jobs.id });
    if (!stored) throw new Error(`job ${id} was given up while it was being stored: its lease of ${limits.leaseMs} ms ran out`);
  } catch (error) {
    // Best effort: what this misses, the sweep deletes once the lease has run out.
    await giveUp(db, eq(jobs.id, id)).catch(() => undefined);
    throw error;
  }
  return getJob(db, id);
}

/**
 * A key's outputs still to produce: pending and running items of its stored jobs, and every item
 * of its jobs still being stored (their items are not all inserted yet). A submission that died
 * stops counting when its lease runs out.
 */
async function itemsInFlight(tx: Database, apiKeyId: number): Promise<number> {
  const [stored] = await tx
    .select({ count: sql<number>`count(*)::int` })
    .from(jobItems)
    .innerJoin(jobs, eq(jobs.id, jobItems.jobId))
    .where(and(eq(jobs.apiKeyId, apiKeyId), isNull(jobs.storingUntil), inArray(jobItems.status, ['pending', 'running'])));
  const [storing] = await tx
    .select({ count: sql<number>`coalesce(sum(${jobs.itemCount}), 0)::int` })
    .from(jobs)
    .where(and(eq(jobs.apiKeyId, apiKeyId), gt(jobs.storingUntil, clock)));
  return Number(stored?.count ?? 0) + Number(storing?.count ?? 0);
}

/** The items of inputs [start, end), built by the database: a cross product of rows already there. */
async function insertItems(tx: Database, id: string, targets: Expression[], copies: number, start: number, end: number): Promise<void> {
  // The targets are spliced in as literals, which is safe only because createJob checked them.
  await tx.execute(sql`
    insert into job_items (job_id, input_idx, target, copy)
    select ${id}::uuid, i.idx, t.target, c.copy
    from job_inputs i
    cross join unnest(${sql.raw(`array[${targets.map((t) => `'${t}'`).join(',')}]`)}::expression[]) as t(target)
    cross join generate_series(0, ${copies - 1}) as c(copy)
    where i.job_id = ${id}::uuid and i.idx >= ${start} and i.idx < ${end}`);
}

const UUID_FORMAT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** First key of the advisory lock that serialises one API key's submissions (the second is the key's id). */
const JOB_QUOTA_LOCK = 0x6a6f6273; // 'jobs'

/** What a purge deletes in one transaction, at most: deleting costs a tenth of storing. */
const PURGE_BYTES = 8 * BATCH_BYTES;

/**
 * Deletes a job no one can see any more (its `storingUntil` has passed) with its inputs and items,
 * the items of a bounded batch of inputs per short transaction, then the job row. Each batch
 * first locks the job row and checks the lease has passed on the clock, not at transaction start:
 * a submission still alive renews its lease only while it has not passed, so once a batch is
 * deleted no submission can come back to the job.
 */
async function purgeJob(db: Database, id: string): Promise<void> {
  for (;;) {
    const more = await db.transaction(async (tx) => {
      const [job] = await tx
        .select({ inputCount: jobs.inputCount, itemCount: jobs.itemCount })
        .from(jobs)
        .where(and(eq(jobs.id, id), lt(jobs.storingUntil, clock)))
        .for('update');
      if (!job) return false;
      const batch = await tx
        .select({ idx: jobInputs.idx, bytes: sql<number>`pg_column_size(${jobInputs.content})` })
        .from(jobInputs)
        .where(eq(jobInputs.jobId, id))
        .orderBy(asc(jobInputs.idx))
        .limit(Math.max(1, Math.floor((BATCH_ROWS * job.inputCount) / job.itemCount)));
      if (batch.length === 0) {
        await tx.delete(jobs).where(eq(jobs.id, id));
        return false;
      }
      let last = batch[0]!.idx;
      for (let i = 1, bytes = Number(batch[0]!.bytes); i < batch.length && (bytes += Number(batch[i]!.bytes)) <= PURGE_BYTES; i++) last = batch[i]!.idx;
      await tx.delete(jobItems).where(and(eq(jobItems.jobId, id), lte(jobItems.inputIdx, last)));
      await tx.delete(jobInputs).where(and(eq(jobInputs.jobId, id), lte(jobInputs.idx, last)));
      return true;
    });
    if (!more) return;
    await setImmediate();
  }
}

/** Hides jobs at once (as if their submission had died long ago) and purges them; if this process dies first, the sweep finishes. */
async function giveUp(db: Database, where: SQL | undefined): Promise<number> {
  const hidden = await db.update(jobs).set({ storingUntil: sql`'-infinity'` }).where(where).returning({ id: jobs.id });
  for (const { id } of hidden) await purgeJob(db, id);
  return hidden.length;
}

/** Deletes a job with its inputs and outputs, if `viewer` may see it (see getJob); a worker holding its items has its results refused. */
export async function deleteJob(db: Database, id: string, viewer?: { apiKeyId: number | null; admin: boolean }): Promise<void> {
  await getJob(db, id, viewer);
  await giveUp(db, eq(jobs.id, id));
}

/** Deletes the jobs whose submission died while storing them (their lease ran out), or whose deletion was cut short; returns how many. */
export async function deleteAbandonedJobs(db: Database): Promise<number> {
  const abandoned = await db.select({ id: jobs.id }).from(jobs).where(lt(jobs.storingUntil, clock));
  for (const { id } of abandoned) await purgeJob(db, id);
  return abandoned.length;
}

/** Deletes every job that finished before `cutoff`, inputs and outputs included; returns how many. */
export async function deleteJobsFinishedBefore(db: Database, cutoff: Date): Promise<number> {
  return giveUp(db, and(lt(jobs.finishedAt, cutoff), isNull(jobs.storingUntil)));
}

/**
 * A job, as `viewer` may see it: a job submitted with an API key exists only for that key and
 * for admin keys (to anyone else it is as missing as an unknown id); one submitted without a key
 * is known to whoever has its id. No viewer: the caller is trusted (workers, tools). A job still
 * being stored exists for no one.
 */
export async function getJob(db: Database, id: string, viewer?: { apiKeyId: number | null; admin: boolean }): Promise<Job> {
  if (!UUID_FORMAT.test(id)) throw new NotFoundError(`job ${id} does not exist`);
  const [row] = await db.select().from(jobs).where(eq(jobs.id, id));
  const hidden = (viewer && !viewer.admin && row?.apiKeyId != null && row.apiKeyId !== viewer.apiKeyId) || row?.storingUntil != null;
  if (!row || hidden) throw new NotFoundError(`job ${id} does not exist`);
  const grouped = await db
    .select({ status: jobItems.status, count: sql<number>`count(*)::int` })
    .from(jobItems)
    .where(eq(jobItems.jobId, id))
    .groupBy(jobItems.status);
  const counts: Record<JobItemStatus, number> = { pending: 0, running: 0, done: 0, failed: 0 };
  for (const group of grouped) counts[group.status] = Number(group.count);
  const finished = counts.done + counts.failed;
  const status: JobStatus = finished === row.itemCount ? 'completed' : finished > 0 || counts.running > 0 ? 'running' : 'queued';
  const { apiKeyId: _, storingUntil: __, ...rest } = row;
  return { ...rest, format: row.format as Job['format'], status, counts };
}

/** Items of jobs whose submission has stored them whole: only those are queued. */
const notStoring = sql`not exists (select 1 from ${jobs} where ${jobs.id} = ${jobItems.jobId} and ${jobs.storingUntil} is not null)`;

/** The queue as every worker sees it: unfinished items and jobs across the whole database. */
export interface JobBacklog {
  /** Items waiting for a worker. */
  pending: number;
  /** Items claimed by a worker (one whose lease ran out is taken again by the next claim). */
  running: number;
  /** Jobs with an item still pending or running. */
  unfinishedJobs: number;
  /** Seconds since the oldest unfinished job was submitted; 0 when there is none. */
  oldestUnfinishedSeconds: number;
}

/**
 * The job backlog, for metrics: item counts over the claimable-items index (status, lease_until),
 * and a scan of the jobs table for the unfinished ones (it has no index on finished_at, but its
 * rows are small and finished jobs are deleted after the retention period).
 */
export async function jobBacklog(db: Database): Promise<JobBacklog> {
  const [items] = await db
    .select({
      pending: sql<number>`count(*) filter (where ${jobItems.status} = 'pending')::int`,
      running: sql<number>`count(*) filter (where ${jobItems.status} = 'running')::int`,
    })
    .from(jobItems)
    .where(and(inArray(jobItems.status, ['pending', 'running']), notStoring));
  const [unfinished] = await db
    .select({
      count: sql<number>`count(*)::int`,
      oldestSeconds: sql<number | null>`extract(epoch from now() - min(${jobs.createdAt}))::float8`,
    })
    .from(jobs)
    .where(and(isNull(jobs.finishedAt), isNull(jobs.storingUntil)));
  return {
    pending: Number(items?.pending ?? 0),
    running: Number(items?.running ?? 0),
    unfinishedJobs: Number(unfinished?.count ?? 0),
    oldestUnfinishedSeconds: Math.max(0, Number(unfinished?.oldestSeconds ?? 0)),
  };
}

/** An item a worker now holds, with what it needs to produce the output. */
export interface ClaimedItem {
  id: number;
  jobId: string;
  inputIdx: number;
  inputName: string;
  inputSha256: string;
  input: Buffer;
  target: Expression;
  copy: number;
}

/**
 * Claims up to `limit` items: pending ones, and running ones whose lease ran out (their worker
 * died), of jobs stored whole. SKIP LOCKED lets concurrent workers take disjoint sets without
 * waiting on each other.
 */
export async function claimItems(db: Database, options: { token: string; limit: number; leaseMs: number }): Promise<ClaimedItem[]> {
  const candidates = db
    .select({ id: jobItems.id })
    .from(jobItems)
    .where(and(claimable(jobItems), notStoring))
    .orderBy(asc(jobItems.id))
    .limit(options.limit)
    .for('update', { skipLocked: true });
  const claimed = await db
    .update(jobItems)
    .set(claimedBy(jobItems, options.token, options.leaseMs))
    .where(inArray(jobItems.id, candidates))
    .returning({ id: jobItems.id, jobId: jobItems.jobId, inputIdx: jobItems.inputIdx, target: jobItems.target, copy: jobItems.copy });
  if (claimed.length === 0) return [];
  const keys = claimed.map((item) => sql`(${item.jobId}::uuid, ${item.inputIdx}::int)`);
  const inputs = await db
    .select({ jobId: jobInputs.jobId, idx: jobInputs.idx, name: jobInputs.name, sha256: jobInputs.sha256, content: jobInputs.content })
    .from(jobInputs)
    .where(sql`(${jobInputs.jobId}, ${jobInputs.idx}) in (${sql.join(keys, sql`, `)})`);
  const byKey = new Map(inputs.map((input) => [`${input.jobId}/${input.idx}`, input]));
  return claimed
    .sort((a, b) => a.id - b.id)
    .map((item) => {
      const input = byKey.get(`${item.jobId}/${item.inputIdx}`)!;
      return { ...item, inputName: input.name, inputSha256: input.sha256, input: input.content };
    });
}

/** The job row for a worker: parameters and pinned models. */
export async function getJobSpec(db: Database, id: string) {
  const [row] = await db.select().from(jobs).where(eq(jobs.id, id));
  if (!row) throw new NotFoundError(`job ${id} does not exist`);
  return { ...row, format: row.format as Job['format'] };
}

/** One output of an item; `box` where a face was found in the input (no detection: a 48x48 input, or faces=none). */
export interface ItemOutput {
  name: string;
  output: Uint8Array;
  box?: JobFaceBox;
}

/** The item's own output is its input's face 0; `moreFaces` are faces 1, 2, ... of the same input (faces=all). */
export type ItemOutcome = ({ ok: true; moreFaces?: ItemOutput[] } & ItemOutput) | { ok: false; error: string };

const outputColumns = (output: ItemOutput) => ({
  status: 'done' as const,
  outputName: output.name,
  output: Buffer.from(output.output),
  outputSha256: createHash('sha256').update(output.output).digest('hex'),
  faceBox: output.box ?? null,
});

/**
 * Records an item's output (or failure), only if `token` still holds the claim: a worker whose
 * lease ran out and was taken over finds its late result refused (false) and drops it. Further
 * faces become done items of their own in the same transaction, and the job's item count grows
 * by as many, so the job is completed exactly when its last planned item is.
 */
export async function finishItem(db: Database, item: { id: number; jobId: string }, token: string, outcome: ItemOutcome): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [updated] = await tx
      .update(jobItems)
      .set({ ...(outcome.ok ? outputColumns(outcome) : { status: 'failed' as const, error: outcome.error }), ...unclaimed })
      .where(and(eq(jobItems.id, item.id), heldBy(jobItems, token)))
      .returning({ inputIdx: jobItems.inputIdx, target: jobItems.target, copy: jobItems.copy });
    if (!updated) return false;
    const more = outcome.ok ? (outcome.moreFaces ?? []) : [];
    if (more.length > 0) {
      await tx.insert(jobItems).values(more.map((output, i) => ({ jobId: item.jobId, ...updated, face: i + 1, ...outputColumns(output), finishedAt: sql`now()` })));
      await tx.update(jobs).set({ itemCount: sql`${jobs.itemCount} + ${more.length}` }).where(eq(jobs.id, item.jobId));
    }
    await tx
      .update(jobs)
      .set({ finishedAt: sql`now()` })
      .where(
        and(
          eq(jobs.id, item.jobId),
          sql`${jobs.finishedAt} is null`,
          sql`not exists (select 1 from job_items where job_id = ${item.jobId}::uuid and status in ('pending', 'running'))`,
        ),
      );
    return true;
  });
}

/** Hands claimed, unfinished items back to the queue (a worker shutting down). */
export async function releaseItems(db: Database, token: string, ids?: number[]): Promise<number> {
  const handedBack = await db
    .update(jobItems)
    .set(released(jobItems))
    .where(and(heldBy(jobItems, token), ids ? inArray(jobItems.id, ids) : undefined))
    .returning({ id: jobItems.id });
  return handedBack.length;
}

export interface ResultRow {
  id: number;
  inputIdx: number;
  inputName: string;
  inputSha256: string;
  target: Expression;
  copy: number;
  face: number;
  faceBox: JobFaceBox | null;
  status: JobItemStatus;
  outputName: string | null;
  output: Buffer | null;
  outputSha256: string | null;
  error: string | null;
}

/** A page of a job's items in a stable order, for streaming the result without loading it whole. */
export async function resultPage(db: Database, jobId: string, afterId: number, limit: number): Promise<ResultRow[]> {
  const condition: SQL | undefined = and(eq(jobItems.jobId, jobId), gt(jobItems.id, afterId));
  return db
    .select({
      id: jobItems.id,
      inputIdx: jobItems.inputIdx,
      inputName: jobInputs.name,
      inputSha256: jobInputs.sha256,
      target: jobItems.target,
      copy: jobItems.copy,
      face: jobItems.face,
      faceBox: jobItems.faceBox,
      status: jobItems.status,
      outputName: jobItems.outputName,
      output: jobItems.output,
      outputSha256: jobItems.outputSha256,
      error: jobItems.error,
    })
    .from(jobItems)
    .innerJoin(jobInputs, and(eq(jobInputs.jobId, jobItems.jobId), eq(jobInputs.idx, jobItems.inputIdx)))
    .where(condition)
    .orderBy(asc(jobItems.id))
    .limit(limit);
}
