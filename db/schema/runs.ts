import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, jsonb, pgEnum, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { datasetVersions } from './datasets.js';
import { expressionEnum } from './types.js';

export const RUN_STATUSES = ['running', 'succeeded', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const runStatusEnum = pgEnum('run_status', RUN_STATUSES);

/** One training of a translator, with everything needed to reproduce it. */
export const trainingRuns = pgTable(
  'training_runs',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    datasetVersionId: integer('dataset_version_id')
      .notNull()
      .references(() => datasetVersions.id),
    source: expressionEnum('source').notNull(),
    target: expressionEnum('target').notNull(),
    architecture: text('architecture').notNull(),
    hyperparameters: jsonb('hyperparameters').$type<Record<string, unknown>>().notNull(),
    // Seeds are often drawn as uint32, which int4 cannot hold.
    seed: bigint('seed', { mode: 'number' }).notNull(),
    backend: text('backend').notNull(),
    gitSha: text('git_sha').notNull(),
    status: runStatusEnum('status').notNull().default('running'),
    error: text('error'),
    lossHistoryUri: text('loss_history_uri'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
  },
  (t) => [
    index('training_runs_translator_idx').on(t.source, t.target),
    check('training_runs_distinct_expressions', sql`${t.source} <> ${t.target}`),
    check('training_runs_ended', sql`(${t.status} = 'running') = (${t.endedAt} is null)`),
  ],
);
