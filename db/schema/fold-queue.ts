import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, jsonb, pgEnum, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { jobItemStatusEnum } from './jobs.js';
import { bytea } from './types.js';

/** The two classifiers of a fold: real images only, and the same plus the synthetic ones. */
export const FOLD_ARMS = ['baseline', 'augmented'] as const;
export type FoldArm = (typeof FOLD_ARMS)[number];
export const foldArmEnum = pgEnum('fold_arm', FOLD_ARMS);

/**
 * A validation whose folds `faceaug worker` processes on any machine: what all its fold tasks
 * share, stored once. The synthetic images themselves are here (100 images are 230 KB), so a
 * worker trains on exactly the bytes the submitting machine generated and needs neither the
 * translator nor its run; the data set is named by the sha256 prefix of its source file, which
 * each worker imports itself.
 */
export const queuedValidations = pgTable('queued_validations', {
  /** The validation's id (`v-...`, a hash of its parameters). */
  id: text('id').primaryKey(),
  datasetId: text('dataset_id').notNull(),
  /** The filtered version the indices were drawn from; for people reading the queue. */
  dataVersion: text('data_version').notNull(),
  targetLabel: integer('target_label').notNull(),
  classifier: jsonb('classifier').$type<Record<string, unknown>>().notNull(),
  /** Data set indices of the fixed test set, int32 little-endian. */
  test: bytea('test').notNull(),
  /** The synthetic images added to every augmented arm: count x 2304 grey levels. */
  synthetic: bytea('synthetic').notNull(),
  /**
   * sha256 of everything the tasks derive from (data set, target, classifier, test set, synthetic
   * images, the pool the folds split): a second submission of the same id must match it.
   */
  specSha256: text('spec_sha256').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * One classifier to train: an arm of a fold of a repeat. Leased like bulk-job items (db/leases.ts),
 * with a limit on attempts; the result is written once, under the claim, so the table holds
 * each (validation, repeat, fold, arm) exactly once however many workers run or die.
 */
export const foldTasks = pgTable(
  'fold_tasks',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    validationId: text('validation_id')
      .notNull()
      .references(() => queuedValidations.id),
    repeat: integer('repeat').notNull(),
    fold: integer('fold').notNull(),
    arm: foldArmEnum('arm').notNull(),
    seed: bigint('seed', { mode: 'number' }).notNull(),
    /** Data set indices, int32 little-endian, in the order the trainer takes them. */
    train: bytea('train').notNull(),
    heldOut: bytea('held_out').notNull(),
    status: jobItemStatusEnum('status').notNull().default('pending'),
    claimToken: uuid('claim_token'),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    /** Claims not handed back: a worker killed, or a training error; past the limit the task fails. */
    attempts: integer('attempts').notNull().default(0),
    /** `host:pid` of the worker that claimed it last, for operators. */
    worker: text('worker'),
    result: jsonb('result').$type<Record<string, unknown>>(),
    /** The last attempt's error. */
    error: text('error'),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    unique('fold_tasks_once').on(t.validationId, t.repeat, t.fold, t.arm),
    index('fold_tasks_claimable_idx').on(t.status, t.leaseUntil),
    check('fold_tasks_claimed', sql`(${t.status} = 'running') = (${t.claimToken} is not null)`),
    check('fold_tasks_done_result', sql`(${t.status} = 'done') = (${t.result} is not null)`),
  ],
);
