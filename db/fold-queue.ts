import { and, asc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { Database } from './client.js';
import { ConflictError, NotFoundError } from './errors.js';
import { claimable, claimedBy, heldBy, leaseFromNow, released, unclaimed } from './leases.js';
import { packInt32, unpackInt32 } from './packed.js';
import { type FoldArm, foldTasks, queuedValidations } from './schema/index.js';

export type { FoldArm };

/** What every fold task of a validation shares (see `queued_validations`). */
export interface QueuedValidation {
  id: string;
  datasetId: string;
  dataVersion: string;
  targetLabel: number;
  classifier: Record<string, unknown>;
  test: ArrayLike<number>;
  synthetic: Uint8Array;
  specSha256: string;
}

export interface FoldTaskInput {
  repeat: number;
  fold: number;
  arm: FoldArm;
  seed: number;
  train: ArrayLike<number>;
  heldOut: ArrayLike<number>;
}

/** Tasks inserted per statement: each carries its fold's indices (~100 KB for FER2013). */
const INSERT_BATCH = 8;

const taskKey = (t: { repeat: number; fold: number; arm: FoldArm }) => sql`(${t.repeat}::int, ${t.fold}::int, ${t.arm}::fold_arm)`;

/**
 * Queues a validation's fold tasks, idempotently: the validation row and each (repeat, fold, arm)
 * are inserted once, whoever submits them and however often. A submission whose inputs differ
 * from those already queued under the same id is refused. Tasks among `tasks` that failed
 * earlier go back to the queue with fresh attempts: submitting again is how an operator retries
 * them once the cause is fixed. Returns how many tasks were new and how many were retried.
 */
export async function enqueueFolds(db: Database, validation: QueuedValidation, tasks: readonly FoldTaskInput[]): Promise<{ added: number; retried: number }> {
  return db.transaction(async (tx) => {
    await tx
      .insert(queuedValidations)
      .values({ ...validation, test: packInt32(validation.test), synthetic: Buffer.from(validation.synthetic) })
      .onConflictDoNothing();
    const [stored] = await tx.select({ specSha256: queuedValidations.specSha256 }).from(queuedValidations).where(eq(queuedValidations.id, validation.id));
    if (stored!.specSha256 !== validation.specSha256) {
      throw new ConflictError(
        `validation ${validation.id} is already queued with other inputs (spec ${stored!.specSha256.slice(0, 12)}, this submission's ${validation.specSha256.slice(0, 12)}): ` +
          'the data set version, run or synthetic images differ between the machines that submitted it',
      );
    }
    let added = 0;
    for (let start = 0; start < tasks.length; start += INSERT_BATCH) {
      const rows = tasks.slice(start, start + INSERT_BATCH).map((task) => ({ ...task, validationId: validation.id, train: packInt32(task.train), heldOut: packInt32(task.heldOut) }));
      added += (await tx.insert(foldTasks).values(rows).onConflictDoNothing().returning({ id: foldTasks.id })).length;
    }
    if (tasks.length === 0) return { added, retried: 0 };
    const retried = await tx
      .update(foldTasks)
      .set({ status: 'pending', attempts: 0, error: null, finishedAt: null })
      .where(and(eq(foldTasks.validationId, validation.id), eq(foldTasks.status, 'failed'), sql`(${foldTasks.repeat}, ${foldTasks.fold}, ${foldTasks.arm}) in (${sql.join(tasks.map(taskKey), sql`, `)})`))
      .returning({ id: foldTasks.id });
    return { added, retried: retried.length };
  });
}

/** A queued validation's shared inputs, for a worker about to train one of its tasks. */
export async function getQueuedValidation(db: Database, id: string): Promise<QueuedValidation> {
  const [row] = await db.select().from(queuedValidations).where(eq(queuedValidations.id, id));
  if (!row) throw new NotFoundError(`validation ${id} is not queued`);
  return { ...row, test: unpackInt32(row.test), synthetic: row.synthetic };
}

/** A task a worker now holds. */
export interface ClaimedFoldTask {
  id: number;
  validationId: string;
  repeat: number;
  fold: number;
  arm: FoldArm;
  seed: number;
  train: Int32Array;
  heldOut: Int32Array;
  attempts: number;
}

/**
 * Claims the oldest claimable task (see db/leases.ts) of a validation on one of `datasetIds`, the
 * data sets this worker has imported: a worker never takes a fold it cannot train. Tasks whose
 * lease ran out on their last allowed attempt are failed first, so a fold that kills every
 * worker that takes it stops being retried.
 */
export async function claimFoldTask(
  db: Database,
  options: { token: string; leaseMs: number; maxAttempts: number; datasetIds: readonly string[]; worker: string },
): Promise<ClaimedFoldTask | undefined> {
  await db
    .update(foldTasks)
    .set({ status: 'failed', error: sql`coalesce(${foldTasks.error} || '; then ', '') || 'its worker stopped renewing the lease (killed, or stuck)'`, ...unclaimed })
    .where(and(eq(foldTasks.status, 'running'), lt(foldTasks.leaseUntil, sql`now()`), gte(foldTasks.attempts, options.maxAttempts)));
  if (options.datasetIds.length === 0) return undefined;
  const candidate = db
    .select({ id: foldTasks.id })
    .from(foldTasks)
    .innerJoin(queuedValidations, eq(queuedValidations.id, foldTasks.validationId))
    .where(and(claimable(foldTasks), lt(foldTasks.attempts, options.maxAttempts), inArray(queuedValidations.datasetId, [...options.datasetIds])))
    .orderBy(asc(foldTasks.id))
    .limit(1)
    .for('update', { of: foldTasks, skipLocked: true });
  const [claimed] = await db
    .update(foldTasks)
    .set({ ...claimedBy(foldTasks, options.token, options.leaseMs), worker: options.worker })
    .where(inArray(foldTasks.id, candidate))
    .returning({
      id: foldTasks.id,
      validationId: foldTasks.validationId,
      repeat: foldTasks.repeat,
      fold: foldTasks.fold,
      arm: foldTasks.arm,
      seed: foldTasks.seed,
      train: foldTasks.train,
      heldOut: foldTasks.heldOut,
      attempts: foldTasks.attempts,
    });
  return claimed && { ...claimed, train: unpackInt32(claimed.train), heldOut: unpackInt32(claimed.heldOut) };
}

/** Extends a held task's lease; false when the claim was lost (the lease ran out and another worker took the task). */
export async function renewFoldLease(db: Database, id: number, token: string, leaseMs: number): Promise<boolean> {
  const renewed = await db
    .update(foldTasks)
    .set({ leaseUntil: leaseFromNow(leaseMs) })
    .where(and(eq(foldTasks.id, id), heldBy(foldTasks, token)))
    .returning({ id: foldTasks.id });
  return renewed.length > 0;
}

export type FoldTaskOutcome = { ok: true; result: Record<string, unknown> } | { ok: false; error: string };

/**
 * Records a task's result, or its error, only while `token` still holds the claim (false
 * otherwise: a late result is dropped). An error sends the task back to the queue while it has
 * attempts left, and fails it on the last.
 */
export async function finishFoldTask(db: Database, id: number, token: string, outcome: FoldTaskOutcome, maxAttempts: number): Promise<boolean> {
  const values = outcome.ok
    ? { status: 'done' as const, result: outcome.result, error: null, ...unclaimed }
    : {
        status: sql`case when ${foldTasks.attempts} >= ${maxAttempts} then 'failed' else 'pending' end::job_item_status`,
        error: outcome.error,
        claimToken: null,
        leaseUntil: null,
        finishedAt: sql`case when ${foldTasks.attempts} >= ${maxAttempts} then now() end`,
      };
  const updated = await db
    .update(foldTasks)
    .set(values)
    .where(and(eq(foldTasks.id, id), heldBy(foldTasks, token)))
    .returning({ id: foldTasks.id });
  return updated.length > 0;
}

/** Hands a held task back to the queue (a worker shutting down); not counted as an attempt. */
export async function releaseFoldTask(db: Database, id: number, token: string): Promise<boolean> {
  const handedBack = await db
    .update(foldTasks)
    .set(released(foldTasks))
    .where(and(eq(foldTasks.id, id), heldBy(foldTasks, token)))
    .returning({ id: foldTasks.id });
  return handedBack.length > 0;
}

export interface FoldTaskState {
  id: number;
  repeat: number;
  fold: number;
  arm: FoldArm;
  status: 'pending' | 'running' | 'done' | 'failed';
  attempts: number;
  worker: string | null;
  error: string | null;
}

/** Where every task of a validation stands, without results (see {@link foldTaskResults}). */
export async function foldTaskStates(db: Database, validationId: string): Promise<FoldTaskState[]> {
  return db
    .select({
      id: foldTasks.id,
      repeat: foldTasks.repeat,
      fold: foldTasks.fold,
      arm: foldTasks.arm,
      status: foldTasks.status,
      attempts: foldTasks.attempts,
      worker: foldTasks.worker,
      error: foldTasks.error,
    })
    .from(foldTasks)
    .where(eq(foldTasks.validationId, validationId))
    .orderBy(asc(foldTasks.id));
}

/**
 * The results of finished tasks, as the JSON text they were stored as: the caller parses it
 * (a metric that is NaN was stored as null, which only the caller knows how to revive).
 */
export async function foldTaskResults(db: Database, ids: readonly number[]): Promise<Array<{ id: number; result: string }>> {
  if (ids.length === 0) return [];
  return db
    .select({ id: foldTasks.id, result: sql<string>`${foldTasks.result}::text` })
    .from(foldTasks)
    .where(and(inArray(foldTasks.id, [...ids]), eq(foldTasks.status, 'done')));
}
