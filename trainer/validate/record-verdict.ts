import type { ArtifactInput } from '../../db/artifacts.js';
import { withRegistry } from '../../db/open-registry.js';
import { recordValidation } from '../../db/validations.js';
import { type ValidationReport, reportMarkdown } from './report.js';

/**
 * Records a finished validation's verdict on the model version it validated, in the registry the
 * trainer records into (DATABASE_URL, else the embedded PGlite under `dataDir`), and returns what
 * the registry now says about that version. `charts` (its precision and AUC pictures) are stored
 * with the version when this verdict sets its status.
 */
export async function recordVerdict(dataDir: string, report: ValidationReport, charts: ArtifactInput[] = []): Promise<NonNullable<ValidationReport['registered']>> {
  const { modelVersion } = report.params;
  if (modelVersion === null) throw new Error(`validation ${report.id} validated an unfinished run; only a model version can carry a verdict`);
  return withRegistry(dataDir, async (handle) => {
    const { validation, version } = await recordValidation(handle.db, {
      ref: { ...report.translator, version: modelVersion },
      verdict: report.verdict.accepted ? 'accepted' : 'rejected',
      params: { ...report.params, repeats: report.repeats, rule: report.rule, validationId: report.id },
      metrics: { test: report.sets.test, heldOut: report.sets.heldOut, folds: report.folds, synthetic: report.synthetic },
      report: reportMarkdown(report),
      charts,
    });
    return { modelVersion: version.version, status: version.status, validationId: validation.id };
  });
}
