import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';
import { trainingRuns } from './runs.js';
import { bytea, expressionEnum } from './types.js';

export const MODEL_STATUSES = ['candidate', 'accepted', 'rejected', 'archived'] as const;
export type ModelStatus = (typeof MODEL_STATUSES)[number];
export const modelStatusEnum = pgEnum('model_status', MODEL_STATUSES);

export const ARTIFACT_KINDS = ['onnx', 'tfjs', 'sample-grid', 'loss-plot', 'precision-chart', 'auc-chart'] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];
export const artifactKindEnum = pgEnum('artifact_kind', ARTIFACT_KINDS);

export const ALIASES = ['champion'] as const;
export type AliasName = (typeof ALIASES)[number];
export const aliasEnum = pgEnum('model_alias', ALIASES);

export const ALIAS_ACTIONS = ['promote', 'rollback'] as const;
export type AliasAction = (typeof ALIAS_ACTIONS)[number];
export const aliasActionEnum = pgEnum('alias_action', ALIAS_ACTIONS);

/**
 * One row per translator (source -> target), holding the last version number handed out. Bumping it
 * with a single upsert serialises concurrent registrations, so numbers never repeat or go back.
 */
export const translators = pgTable(
  'translators',
  {
    source: expressionEnum('source').notNull(),
    target: expressionEnum('target').notNull(),
    lastVersion: integer('last_version').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.source, t.target] }),
    check('translators_distinct_expressions', sql`${t.source} <> ${t.target}`),
  ],
);

/** A registered checkpoint. Only `status` ever changes after insert (a trigger enforces it). */
export const modelVersions = pgTable(
  'model_versions',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    source: expressionEnum('source').notNull(),
    target: expressionEnum('target').notNull(),
    version: integer('version').notNull(),
    runId: integer('run_id').references(() => trainingRuns.id),
    status: modelStatusEnum('status').notNull(),
    metrics: jsonb('metrics').$type<Record<string, unknown>>().notNull(),
    report: text('report'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    statusChangedAt: timestamp('status_changed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('model_versions_translator_version_unique').on(t.source, t.target, t.version),
    foreignKey({
      name: 'model_versions_translator_fk',
      columns: [t.source, t.target],
      foreignColumns: [translators.source, translators.target],
    }),
    check('model_versions_version_positive', sql`${t.version} > 0`),
  ],
);

/**
 * Artifact bytes live beside the version (not in it) so listings never drag megabytes of ONNX
 * along. Either the bytes are here or `uri` names a file; the sha256 is checked on every read.
 */
export const modelArtifacts = pgTable(
  'model_artifacts',
  {
    modelVersionId: integer('model_version_id')
      .notNull()
      .references(() => modelVersions.id),
    kind: artifactKindEnum('kind').notNull(),
    sha256: text('sha256').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    content: bytea('content'),
    uri: text('uri'),
  },
  (t) => [
    primaryKey({ columns: [t.modelVersionId, t.kind] }),
    check('model_artifacts_sha256_hex', sql`${t.sha256} ~ '^[0-9a-f]{64}$'`),
    check('model_artifacts_one_location', sql`(${t.content} is null) <> (${t.uri} is null)`),
  ],
);

/**
 * Named pointers to a version of the same translator; the primary key makes "exactly one champion
 * per translator" structural, and the composite foreign key keeps an alias inside its translator.
 */
export const aliases = pgTable(
  'aliases',
  {
    source: expressionEnum('source').notNull(),
    target: expressionEnum('target').notNull(),
    alias: aliasEnum('alias').notNull(),
    version: integer('version').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.source, t.target, t.alias] }),
    foreignKey({
      name: 'aliases_version_fk',
      columns: [t.source, t.target, t.version],
      foreignColumns: [modelVersions.source, modelVersions.target, modelVersions.version],
    }),
  ],
);

/** Append-only (a trigger refuses UPDATE and DELETE): every alias move, written with the move. */
export const aliasEvents = pgTable(
  'alias_events',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    source: expressionEnum('source').notNull(),
    target: expressionEnum('target').notNull(),
    alias: aliasEnum('alias').notNull(),
    action: aliasActionEnum('action').notNull(),
    fromVersion: integer('from_version'),
    toVersion: integer('to_version').notNull(),
    actor: text('actor').notNull(),
    reason: text('reason'),
    forced: boolean('forced').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('alias_events_translator_idx').on(t.source, t.target, t.alias, t.id),
    foreignKey({
      name: 'alias_events_from_fk',
      columns: [t.source, t.target, t.fromVersion],
      foreignColumns: [modelVersions.source, modelVersions.target, modelVersions.version],
    }),
    foreignKey({
      name: 'alias_events_to_fk',
      columns: [t.source, t.target, t.toVersion],
      foreignColumns: [modelVersions.source, modelVersions.target, modelVersions.version],
    }),
    check('alias_events_forced_reason', sql`not ${t.forced} or ${t.reason} is not null`),
  ],
);
