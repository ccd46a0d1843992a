import { asc, eq } from 'drizzle-orm';
import { type ArtifactInput, resolveArtifact } from './artifacts.js';
import type { Database } from './client.js';
import { NotFoundError, ValidationError } from './errors.js';
import { type ModelRef, type ModelVersion, formatRef, listModelVersions, refCondition, setModelStatus } from './model-versions.js';
import { type ValidationVerdict, modelArtifacts, modelVersions, validations } from './schema/index.js';

export type Validation = typeof validations.$inferSelect;

export interface ValidationInput {
  ref: ModelRef;
  verdict: ValidationVerdict;
  params: Record<string, unknown>;
  metrics: Record<string, unknown>;
  report: string;
  /** The validation's pictures (per-class precision and AUC on its test set). */
  charts?: ArtifactInput[];
}

const CHART_KINDS: ReadonlySet<string> = new Set(['precision-chart', 'auc-chart']);

/**
 * Records a validation of a model version and, when the version is still a candidate, moves its
 * status to the verdict in the same transaction. A version already accepted or rejected keeps its
 * status (a verdict is changed by an operator, not by a re-run); the new result is kept beside it.
 * The charts of the validation that set the status become the version's artifacts (artifacts are
 * immutable, so the pictures served with a version always show the verdict it carries).
 */
export async function recordValidation(db: Database, input: ValidationInput): Promise<{ validation: Validation; version: ModelVersion; statusChanged: boolean }> {
  const unexpected = (input.charts ?? []).filter((chart) => !CHART_KINDS.has(chart.kind));
  if (unexpected.length) throw new ValidationError(`a validation stores only precision and AUC charts, not ${unexpected.map((c) => c.kind).join(', ')}`);
  const charts = await Promise.all((input.charts ?? []).map(resolveArtifact));
  return db.transaction(async (tx) => {
    const [row] = await tx.select({ id: modelVersions.id, status: modelVersions.status }).from(modelVersions).where(refCondition(input.ref));
    if (!row) throw new NotFoundError(`model version ${formatRef(input.ref)} does not exist`);
    const [validation] = await tx
      .insert(validations)
      .values({ modelVersionId: row.id, verdict: input.verdict, params: input.params, metrics: input.metrics, report: input.report })
      .returning();
    const statusChanged = row.status === 'candidate';
    if (statusChanged && charts.length) {
      // A version registered with pictures (a shipped one) keeps them.
      await tx.insert(modelArtifacts).values(charts.map((chart) => ({ modelVersionId: row.id, ...chart }))).onConflictDoNothing();
    }
    const version = statusChanged
      ? await setModelStatus(tx, input.ref, input.verdict)
      : (await listModelVersions(tx, { source: input.ref.source, target: input.ref.target })).find((v) => v.version === input.ref.version)!;
    return { validation: validation!, version, statusChanged };
  });
}

/** Every validation of one model version, oldest first. */
export async function listValidations(db: Database, ref: ModelRef): Promise<Validation[]> {
  const [row] = await db.select({ id: modelVersions.id }).from(modelVersions).where(refCondition(ref));
  if (!row) throw new NotFoundError(`model version ${formatRef(ref)} does not exist`);
  return db.select().from(validations).where(eq(validations.modelVersionId, row.id)).orderBy(asc(validations.id));
}
