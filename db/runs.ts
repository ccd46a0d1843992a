import { and, eq } from 'drizzle-orm';
import type { Database } from './client.js';
import { ConflictError, NotFoundError, ValidationError } from './errors.js';
import { type RunStatus, datasetVersions, trainingRuns } from './schema/index.js';
import { type Translator, checkTranslator } from './translators.js';

export type TrainingRun = typeof trainingRuns.$inferSelect;

export interface TrainingRunInput extends Translator {
  datasetVersionId: number;
  architecture: string;
  /** Every hyperparameter, so the run can be repeated from this row alone. */
  hyperparameters: Record<string, unknown>;
  seed: number;
  backend: string;
  /** The code version that trained (git sha). */
  gitSha: string;
  lossHistoryUri?: string | null;
}

export interface TrainingRunUpdate {
  status?: RunStatus;
  /** When the run ended; defaults to now when a final status is set. */
  endedAt?: Date;
  error?: string | null;
  lossHistoryUri?: string | null;
}

/** Records a run as it starts (status `running`). */
export async function createTrainingRun(db: Database, input: TrainingRunInput): Promise<TrainingRun> {
  checkTranslator(input);
  if (!Number.isSafeInteger(input.seed)) throw new ValidationError(`seed must be an integer, got ${input.seed}`);
  for (const field of ['architecture', 'backend', 'gitSha'] as const) {
    if (!input[field].trim()) throw new ValidationError(`training run ${field} must not be empty`);
  }
  const [version] = await db.select({ id: datasetVersions.id }).from(datasetVersions).where(eq(datasetVersions.id, input.datasetVersionId));
  if (!version) throw new NotFoundError(`data set version ${input.datasetVersionId} does not exist`);
  const [row] = await db.insert(trainingRuns).values({ ...input, lossHistoryUri: input.lossHistoryUri ?? null }).returning();
  return row!;
}

/**
 * Updates a running run: its loss history location, or its final status (which stamps ended_at).
 * A run that has ended is a finished record and refuses further changes.
 */
export async function updateTrainingRun(db: Database, id: number, update: TrainingRunUpdate): Promise<TrainingRun> {
  const ending = update.status !== undefined && update.status !== 'running';
  if (update.endedAt && !ending) throw new ValidationError('endedAt needs a final status (succeeded, failed or cancelled)');
  const [row] = await db
    .update(trainingRuns)
    .set({
      status: update.status,
      endedAt: ending ? (update.endedAt ?? new Date()) : undefined,
      error: update.error,
      lossHistoryUri: update.lossHistoryUri,
    })
    .where(and(eq(trainingRuns.id, id), eq(trainingRuns.status, 'running')))
    .returning();
  if (row) return row;
  const current = await getTrainingRun(db, id);
  throw new ConflictError(`training run ${id} already ended (${current.status}); it cannot be changed`);
}

export async function getTrainingRun(db: Database, id: number): Promise<TrainingRun> {
  const [row] = await db.select().from(trainingRuns).where(eq(trainingRuns.id, id));
  if (!row) throw new NotFoundError(`training run ${id} does not exist`);
  return row;
}
