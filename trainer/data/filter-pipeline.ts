import { join } from 'node:path';
import { keptRemovedByClass } from './class-table.js';
import { type ConfidenceParams, confidenceScores } from './confidence-scores.js';
import { writeContactSheets } from './contact-sheet.js';
import { type Dataset, datasetDir } from './dataset-store.js';
import { duplicatesToDrop, findDuplicates } from './duplicates.js';
import { datasetEmbeddings } from './embedding-cache.js';
import { EMBEDDINGS, type EmbeddingName } from './face-embedding.js';
import { gaussianScores } from './gaussian-scores.js';
import type { Progress } from './import-options.js';
import { keepAtLeast, keepTopN, keepTopPercent } from './select.js';
import { type DatasetVersion, saveVersion, versionId } from './version-store.js';

export type KeepRule = { rule: 'top-percent'; value: number } | { rule: 'top-n'; value: number } | { rule: 'min-score'; value: number };

export type FilterSpec =
  | { method: 'duplicates' }
  | { method: 'gaussian'; embedding: EmbeddingName; retention: number; shrinkage: number; ridge: number }
  | ({ method: 'confidence'; keep: KeepRule } & ConfidenceParams);

export interface FilterContext {
  dataDir: string;
  /** Usage indices whose rows are scored and filtered; rows of other splits pass through untouched. */
  splits: readonly number[];
  /** Tells the caller a long stage starts; what it returns receives that stage's progress. */
  onStage?: (stage: string) => Progress | undefined;
  /** Records a new version in the registry and returns its registry id. */
  register?: (version: DatasetVersion, parent: DatasetVersion | null) => Promise<number | undefined>;
}

export interface StepResult {
  version: DatasetVersion;
  /** Where this step's contact sheets were written (filters with scores only). */
  sheets: string[];
}

function keep(rule: KeepRule, candidates: readonly number[], labels: ArrayLike<number>, scores: ArrayLike<number>): number[] {
  if (rule.rule === 'top-percent') return keepTopPercent(candidates, labels, scores, rule.value);
  if (rule.rule === 'top-n') return keepTopN(candidates, labels, scores, rule.value);
  return keepAtLeast(candidates, scores, rule.value);
}

/** Scores indexed by data set index, for the selection rules, from scores aligned with `candidates`. */
function scatter(count: number, candidates: readonly number[], aligned: Float64Array): Float64Array {
  const out = new Float64Array(count).fill(Number.NaN);
  candidates.forEach((index, position) => {
    out[index] = aligned[position]!;
  });
  return out;
}

async function score(dataset: Dataset, spec: Exclude<FilterSpec, { method: 'duplicates' }>, candidates: number[], context: FilterContext): Promise<Float64Array> {
  if (spec.method === 'gaussian') {
    const embeddings = await datasetEmbeddings(context.dataDir, dataset, spec.embedding, { onProgress: context.onStage?.(`embedding (${spec.embedding})`) });
    return gaussianScores(embeddings, EMBEDDINGS[spec.embedding].dim, dataset.labels, candidates, spec);
  }
  const { keep: _rule, method: _method, ...params } = spec;
  return confidenceScores(dataset.pixels, dataset.labels, candidates, params, context.onStage?.(`out-of-fold training (${spec.folds} folds)`));
}

/** Runs one filter over the rows `parent` kept (all rows when null), saves and registers the new version. */
export async function runFilter(dataset: Dataset, parent: DatasetVersion | null, spec: FilterSpec, context: FilterContext): Promise<StepResult> {
  const started = performance.now();
  const input = parent ? parent.kept : Array.from({ length: dataset.manifest.count }, (_, i) => i);
  const inSplits = new Set(context.splits);
  let kept: number[];
  let scored: number[] = [];
  let scores: number[] = [];
  let params: Record<string, unknown>;
  if (spec.method === 'duplicates') {
    // Duplicate removal looks at every split: it is what keeps leaked copies out of Training.
    const drop = duplicatesToDrop(findDuplicates(dataset, input), dataset.usage);
    kept = input.filter((i) => !drop.has(i));
    params = { policy: 'drop conflicting-label groups; keep one copy of the rest, a non-Training one when present' };
  } else {
    scored = input.filter((i) => inSplits.has(dataset.usage[i]!));
    const aligned = await score(dataset, spec, scored, context);
    const rule: KeepRule = spec.method === 'gaussian' ? { rule: 'top-percent', value: spec.retention } : spec.keep;
    const selected = new Set(keep(rule, scored, dataset.labels, scatter(dataset.manifest.count, scored, aligned)));
    kept = input.filter((i) => selected.has(i) || !inSplits.has(dataset.usage[i]!));
    scores = Array.from(aligned);
    params = { ...spec, splits: context.splits, keepRule: rule };
    delete params.method;
  }
  const id = versionId(dataset.manifest.id, parent?.id ?? null, spec.method, params);
  const version: DatasetVersion = {
    id,
    datasetId: dataset.manifest.id,
    parentId: parent?.id ?? null,
    method: spec.method,
    params,
    kept,
    scored,
    scores,
    classCounts: keptRemovedByClass(dataset.labels, input, kept),
    durationMs: Math.round(performance.now() - started),
    createdAt: new Date().toISOString(),
  };
  const registryId = await context.register?.(version, parent);
  if (registryId !== undefined) version.registryId = registryId;
  await saveVersion(context.dataDir, version);
  const sheets =
    scored.length > 0
      ? await writeContactSheets(join(datasetDir(context.dataDir, dataset.manifest.id), 'versions', `${id}-sheets`), {
          pixels: dataset.pixels,
          labels: dataset.labels,
          scored,
          scores,
        })
      : [];
  return { version, sheets };
}
