import { index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { datasetVersions } from './datasets.js';
import { bytea } from './types.js';

/**
 * Expression classifiers that judge translations (faceaug evaluate): trained on the Training split
 * of one data set version, kept as ONNX with their per-class accuracy on PublicTest, so every
 * quality figure can name the judge that produced it. Never changed after insert.
 */
export const judges = pgTable(
  'judges',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    datasetVersionId: integer('dataset_version_id')
      .notNull()
      .references(() => datasetVersions.id),
    recipe: text('recipe').notNull(),
    seed: integer('seed').notNull(),
    params: jsonb('params').$type<Record<string, unknown>>().notNull(),
    /** Accuracy and per-class recall on the PublicTest rows of the version, never trained on. */
    metrics: jsonb('metrics').$type<Record<string, unknown>>().notNull(),
    onnx: bytea('onnx').notNull(),
    sha256: text('sha256').notNull(),
    /**
     * The same network as a faceaug tensor file (weights, running statistics and its spec), so a
     * judge can also serve inside a training loss; null for judges registered before it was kept.
     */
    weights: bytea('weights'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('judges_dataset_version_idx').on(t.datasetVersionId, t.id)],
);
