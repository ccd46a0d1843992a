import { sql } from 'drizzle-orm';
import { bigint, check, foreignKey, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { FACE_OPTIONS, type FaceOption } from '../../core/faces/face-options.js';
import { apiKeys } from './api-keys.js';
import { bytea, expressionEnum } from './types.js';

export const JOB_ITEM_STATUSES = ['pending', 'running', 'done', 'failed'] as const;
export type JobItemStatus = (typeof JOB_ITEM_STATUSES)[number];
export const jobItemStatusEnum = pgEnum('job_item_status', JOB_ITEM_STATUSES);

/** The model each target of a job was pinned to when the job was accepted. */
export type JobModels = Record<string, { version: number; sha256: string }>;

/** Where a job output's face was found in its input, in the upright input's pixels, with the detector's confidence. */
export interface JobFaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
}

/**
 * A bulk translation job. Its parameters and the models it uses are fixed at submission, so a
 * promote in the middle of a job cannot give one job outputs from two models.
 */
export const jobs = pgTable(
  'jobs',
  {
    id: uuid('id').primaryKey(),
    source: expressionEnum('source').notNull(),
    targets: expressionEnum('targets').array().notNull(),
    copies: integer('copies').notNull(),
    seed: bigint('seed', { mode: 'number' }).notNull(),
    format: text('format').notNull(),
    size: integer('size').notNull(),
    /** Jobs stored before photos were accepted took every image's centred square: 'none'. */
    faces: text('faces').$type<FaceOption>().notNull().default('none'),
    models: jsonb('models').$type<JobModels>().notNull(),
    inputCount: integer('input_count').notNull(),
    itemCount: integer('item_count').notNull(),
    apiKeyId: integer('api_key_id').references(() => apiKeys.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    /**
     * Set while the submission is still storing the job's inputs, a batch per short transaction:
     * until it is cleared the job is invisible (no status, no result, nothing for workers to
     * claim). Each batch extends it; a submission whose process died lets it run out, and the
     * workers' sweep deletes the half-stored job.
     */
    storingUntil: timestamp('storing_until', { withTimezone: true }),
  },
  (t) => [
    check('jobs_copies_positive', sql`${t.copies} > 0`),
    check('jobs_targets_nonempty', sql`cardinality(${t.targets}) > 0`),
    check('jobs_format', sql`${t.format} in ('png', 'jpeg', 'webp')`),
    check('jobs_faces', sql`${t.faces} in (${sql.raw(FACE_OPTIONS.map((o) => `'${o}'`).join(', '))})`),
  ],
);

/** The uploaded images, stored so that any worker on any machine can process them. */
export const jobInputs = pgTable(
  'job_inputs',
  {
    jobId: uuid('job_id')
      .notNull()
      .references(() => jobs.id),
    idx: integer('idx').notNull(),
    name: text('name').notNull(),
    sha256: text('sha256').notNull(),
    content: bytea('content').notNull(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.idx] })],
);

/**
 * One output to produce: an input, a target and a copy, and, in a job that translates every
 * face of a photo, the face: items are stored for face 0, and the worker that finds more faces
 * records their outputs as further items of the same input, target and copy. Workers claim pending rows (or rows whose
 * lease ran out) with FOR UPDATE SKIP LOCKED and finish them only while their claim token still
 * holds, so each row is produced exactly once however many workers run or die (db/leases.ts).
 */
export const jobItems = pgTable(
  'job_items',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    jobId: uuid('job_id').notNull(),
    inputIdx: integer('input_idx').notNull(),
    target: expressionEnum('target').notNull(),
    copy: integer('copy').notNull(),
    /** The face's place among its input's faces, largest first; 0 where no detection ran. */
    face: integer('face').notNull().default(0),
    /** Where that face was found; null where no detection ran (a 48x48 input, or faces=none). */
    faceBox: jsonb('face_box').$type<JobFaceBox>(),
    status: jobItemStatusEnum('status').notNull().default('pending'),
    claimToken: uuid('claim_token'),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    attempts: integer('attempts').notNull().default(0),
    outputName: text('output_name'),
    output: bytea('output'),
    outputSha256: text('output_sha256'),
    error: text('error'),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    unique('job_items_once').on(t.jobId, t.inputIdx, t.target, t.copy, t.face),
    foreignKey({ name: 'job_items_input_fk', columns: [t.jobId, t.inputIdx], foreignColumns: [jobInputs.jobId, jobInputs.idx] }),
    index('job_items_claimable_idx').on(t.status, t.leaseUntil),
    check('job_items_claimed', sql`(${t.status} = 'running') = (${t.claimToken} is not null)`),
    check('job_items_done_output', sql`(${t.status} = 'done') = (${t.output} is not null)`),
  ],
);
