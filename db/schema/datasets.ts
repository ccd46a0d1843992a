import { sql } from 'drizzle-orm';
import { type AnyPgColumn, check, index, integer, jsonb, pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core';
import type { Expression } from '../../core/expressions.js';
import { bytea } from './types.js';

export type ClassCounts = Record<Expression, number>;
export type KeptRemovedCounts = Record<Expression, { kept: number; removed: number }>;

/** An imported source file, identified by its content so re-imports are recognised. */
export const datasets = pgTable(
  'datasets',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    sourceName: text('source_name').notNull(),
    sha256: text('sha256').notNull(),
    rowCount: integer('row_count').notNull(),
    classCounts: jsonb('class_counts').$type<ClassCounts>().notNull(),
    layout: text('layout').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('datasets_sha256_layout_unique').on(t.sha256, t.layout),
    check('datasets_sha256_hex', sql`${t.sha256} ~ '^[0-9a-f]{64}$'`),
    check('datasets_row_count_nonnegative', sql`${t.rowCount} >= 0`),
  ],
);

/**
 * The outcome of one filter over a data set (or over a parent version). Kept row ids and scores are
 * packed little-endian Int32/Float32 arrays: FER2013 has ~36k rows, and a row per kept id would
 * make every version cost tens of thousands of rows.
 */
export const datasetVersions = pgTable(
  'dataset_versions',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    datasetId: integer('dataset_id')
      .notNull()
      .references(() => datasets.id),
    parentVersionId: integer('parent_version_id').references((): AnyPgColumn => datasetVersions.id),
    filterMethod: text('filter_method').notNull(),
    filterParams: jsonb('filter_params').$type<Record<string, unknown>>().notNull(),
    keptCount: integer('kept_count').notNull(),
    keptRowIds: bytea('kept_row_ids').notNull(),
    keptScores: bytea('kept_scores'),
    classCounts: jsonb('class_counts').$type<KeptRemovedCounts>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('dataset_versions_dataset_idx').on(t.datasetId),
    check('dataset_versions_ids_length', sql`octet_length(${t.keptRowIds}) = 4 * ${t.keptCount}`),
    check('dataset_versions_scores_length', sql`${t.keptScores} is null or octet_length(${t.keptScores}) = 4 * ${t.keptCount}`),
  ],
);
