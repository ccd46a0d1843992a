import { join } from 'node:path';
import { keptRemovedByClass } from '../data/class-table.js';
import { type ConfidenceParams, confidenceScores } from './confidence-scores.js';
import { writeContactSheets } from './contact-sheet.js';
import { type Dataset, datasetDir } from '../data/dataset-store.js';
import { duplicatesToDrop, findDuplicates } from './duplicates.js';
import { datasetEmbeddings } from './embedding-cache.js';
import { EMBEDDINGS, type EmbeddingName } from '../networks/face-embedding.js';
import { gaussianScores } from './gaussian-scores.js';
import type { Progress } from '../data/import-options.js';
import { keepAtLeast, keepTopN, keepTopPercent } from './keep-rules.js';
import { type DatasetVersion, saveVersion, versionId } from '../data/version-store.js';

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

/**
 * Scores every input row: the filter is fitted or trained on the rows of the filtered splits and
 * scores the others with that, so each kept row carries a score.
 */
async function score(dataset: Dataset, spec: Exclude<FilterSpec, { method: 'duplicates' }>, filtered: number[], passed: number[], context: FilterContext): Promise<Float64Array> {
  const out = new Float64Array(dataset.manifest.count).fill(Number.NaN);
  if (spec.method === 'gaussian') {
    const embeddings = await datasetEmbeddings(context.dataDir, dataset, spec.embedding, { onProgress: context.onStage?.(`embedding (${spec.embedding})`) });
    const all = [...filtered, ...passed];
    gaussianScores(embeddings, EMBEDDINGS[spec.embedding].dim, dataset.labels, filtered, all, spec).forEach((s, n) => {
      out[all[n]!] = s;
    });
    return out;
  }
  const { keep: _rule, method: _method, ...params } = spec;
  const progress = context.onStage?.(`out-of-fold training (${spec.folds} folds)`);
  const { scores, outsideScores } = await confidenceScores(dataset.pixels, dataset.labels, filtered, params, progress, passed);
  filtered.forEach((i, n) => {
    out[i] = scores[n]!;
  });
  passed.forEach((i, n) => {
    out[i] = outsideScores[n]!;
  });
  return out;
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
  /** What the contact sheets show: the rows the filter could remove, with their scores. */
  let sheet = { rows: [] as number[], scores: [] as number[] };
  if (spec.method === 'duplicates') {
    // Duplicate removal looks at every split: it is what keeps leaked copies out of Training.
    const drop = duplicatesToDrop(findDuplicates(dataset, input), dataset.usage);
    kept = input.filter((i) => !drop.has(i));
    params = { policy: 'drop conflicting-label groups; keep one copy of the rest, a non-Training one when present' };
  } else {
    const filtered = input.filter((i) => inSplits.has(dataset.usage[i]!));
    const passed = input.filter((i) => !inSplits.has(dataset.usage[i]!));
    const byIndex = await score(dataset, spec, filtered, passed, context);
    const rule: KeepRule = spec.method === 'gaussian' ? { rule: 'top-percent', value: spec.retention } : spec.keep;
    const selected = new Set(keep(rule, filtered, dataset.labels, byIndex));
    kept = input.filter((i) => selected.has(i) || !inSplits.has(dataset.usage[i]!));
    scored = input;
    scores = input.map((i) => byIndex[i]!);
    sheet = { rows: filtered, scores: filtered.map((i) => byIndex[i]!) };
    const { method: _method, ...settings } = spec;
    params = { ...settings, splits: context.splits, keepRule: rule };
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
  const sheetDir = join(datasetDir(context.dataDir, dataset.manifest.id), 'versions', `${id}-sheets`);
  const sheets =
    sheet.rows.length > 0
      ? await writeContactSheets(sheetDir, { pixels: dataset.pixels, labels: dataset.labels, scored: sheet.rows, scores: sheet.scores })
      : [];
  return { version, sheets };
}
