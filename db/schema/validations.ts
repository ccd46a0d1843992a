import { index, integer, jsonb, pgEnum, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { modelVersions } from './models.js';

export const VALIDATION_VERDICTS = ['accepted', 'rejected'] as const;
export type ValidationVerdict = (typeof VALIDATION_VERDICTS)[number];
export const validationVerdictEnum = pgEnum('validation_verdict', VALIDATION_VERDICTS);

/**
 * The validations of a model version, beside it rather than in it: a registered version is
 * immutable apart from its status, and a version may be validated more than once (more folds,
 * another data set version), each result kept with the parameters and report that produced it.
 */
export const validations = pgTable(
  'validations',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    modelVersionId: integer('model_version_id')
      .notNull()
      .references(() => modelVersions.id),
    verdict: validationVerdictEnum('verdict').notNull(),
    params: jsonb('params').$type<Record<string, unknown>>().notNull(),
    metrics: jsonb('metrics').$type<Record<string, unknown>>().notNull(),
    report: text('report').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('validations_model_version_idx').on(t.modelVersionId, t.id)],
);
