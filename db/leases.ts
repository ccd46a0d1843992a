import { type SQL, and, eq, lt, or, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

/**
 * faceaug's one queue design, shared by bulk-job items (`job_items`) and validation folds
 * (`fold_tasks`): a row is `pending`, `running` under a worker's claim token until its lease
 * ends, then `done` or `failed`. Workers claim with FOR UPDATE SKIP LOCKED, so concurrent ones
 * take disjoint rows without waiting on each other; a worker that dies lets its lease run out and
 * the next claim takes the row again; a result is recorded only while its claim still holds, so a
 * late one from a worker that was taken over is refused and each row finishes exactly once.
 */
export interface LeaseColumns {
  status: PgColumn;
  claimToken: PgColumn;
  leaseUntil: PgColumn;
  attempts: PgColumn;
}

/** Ends `leaseMs` from now. */
export const leaseFromNow = (leaseMs: number) => sql`now() + ${leaseMs} * interval '1 millisecond'`;

/** Rows a claim may take: pending ones, and running ones whose lease ran out (their worker died). */
export const claimable = (t: LeaseColumns): SQL => or(eq(t.status, 'pending'), and(eq(t.status, 'running'), lt(t.leaseUntil, sql`now()`)))!;

/** What a claim sets: running under `token` until the lease ends, one more attempt. */
export const claimedBy = (t: LeaseColumns, token: string, leaseMs: number) => ({
  status: 'running' as const,
  claimToken: token,
  leaseUntil: leaseFromNow(leaseMs),
  attempts: sql`${t.attempts} + 1`,
});

/** The rows `token` still holds: none, once its lease ran out and another worker took them over. */
export const heldBy = (t: LeaseColumns, token: string): SQL => and(eq(t.status, 'running'), eq(t.claimToken, token))!;

/** What finishing a row clears (its status and result are the caller's). */
export const unclaimed = { claimToken: null, leaseUntil: null, finishedAt: sql`now()` };

/** Back to the queue: a worker shutting down hands its claims back, which does not count as an attempt. */
export const released = (t: LeaseColumns) => ({
  status: 'pending' as const,
  claimToken: null,
  leaseUntil: null,
  attempts: sql`greatest(${t.attempts} - 1, 0)`,
});
