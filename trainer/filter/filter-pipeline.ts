import { join } from 'node:path';
import { keptRemovedByClass } from '../data/class-table.js';
import type { OutOfFoldParams } from './confidence-scores.js';
import { estimateLabelNoise, type LabelNoise, normalizedMargin, pruneByNoiseRate, selfConfidence } from './confident-learning.js';
import { writeContactSheets } from './contact-sheet.js';
import { type Dataset, datasetDir } from '../data/dataset-store.js';
import { duplicatesToDrop, findDuplicates } from './duplicates.js';
import { datasetEmbeddings } from './embedding-cache.js';
import { EMBEDDINGS, type EmbeddingName } from '../networks/face-embedding.js';
import { gaussianScores } from './gaussian-scores.js';
import type { Progress } from '../data/import-options.js';
import { keepAtLeast, keepCountPerClass, keepTopN, keepTopPercent, keepTopPercentOverall } from './keep-rules.js';
import { cachedOutOfFoldProbabilities } from './out-of-fold-cache.js';
import { type DatasetVersion, saveVersion, versionId } from '../data/version-store.js';

export type KeepRule =
  | { rule: 'top-percent'; value: number }
  | { rule: 'top-percent-overall'; value: number }
  | { rule: 'top-n'; value: number }
  | { rule: 'min-score'; value: number };

export const PRUNE_BY = ['noise-rate', 'margin'] as const;

/**
 * How confident learning picks the samples to remove. `noise-rate`: cleanlab's
 * prune_by_noise_rate, the calibrated joint's off-diagonal counts, largest margins first.
 * `margin`: the lowest normalized margins of each class, by `keep`, or without one as many as the
 * joint's off-diagonal holds for that class.
 */
export type Pruning = { pruneBy: 'noise-rate' } | { pruneBy: 'margin'; keep?: KeepRule };

export type FilterSpec =
  | { method: 'duplicates' }
  | { method: 'gaussian'; embedding: EmbeddingName; retention: number; shrinkage: number; ridge: number }
  | ({ method: 'confidence'; keep: KeepRule } & OutOfFoldParams)
  | ({ method: 'confident-learning' } & Pruning & OutOfFoldParams);

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
  /** What confident learning estimated (its steps only; also in the version's parameters). */
  noise?: LabelNoise;
}

function keep(rule: KeepRule, candidates: readonly number[], labels: ArrayLike<number>, scores: ArrayLike<number>): number[] {
  if (rule.rule === 'top-percent') return keepTopPercent(candidates, labels, scores, rule.value);
  if (rule.rule === 'top-percent-overall') return keepTopPercentOverall(candidates, labels, scores, rule.value);
  if (rule.rule === 'top-n') return keepTopN(candidates, labels, scores, rule.value);
  return keepAtLeast(candidates, scores, rule.value);
}

interface Selection {
  /** Every input row's score, indexed by data set row. */
  scores: Float64Array;
  /** The rows of the filtered splits that stay. */
  kept: number[];
  /** The keep rule, which gaussian and confidence versions record as `keepRule`. */
  rule?: KeepRule;
  noise?: LabelNoise;
}

/** `values[n]` at data set row `rows[n]`, NaN elsewhere. */
function byRow(count: number, rows: readonly number[], values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(count).fill(Number.NaN);
  rows.forEach((i, n) => {
    out[i] = values[n]!;
  });
  return out;
}

/**
 * Scores every input row and picks the filtered rows to keep: the filter is fitted or trained on
 * the rows of the filtered splits and scores the others with that, so each kept row carries a score.
 */
async function select(dataset: Dataset, spec: Exclude<FilterSpec, { method: 'duplicates' }>, filtered: number[], passed: number[], context: FilterContext): Promise<Selection> {
  const all = [...filtered, ...passed];
  if (spec.method === 'gaussian') {
    const embeddings = await datasetEmbeddings(context.dataDir, dataset, spec.embedding, { onProgress: context.onStage?.(`embedding (${spec.embedding})`) });
    const scores = byRow(dataset.manifest.count, all, gaussianScores(embeddings, EMBEDDINGS[spec.embedding].dim, dataset.labels, filtered, all, spec));
    const rule: KeepRule = { rule: 'top-percent', value: spec.retention };
    return { scores, kept: keep(rule, filtered, dataset.labels, scores), rule };
  }
  const probabilities = await cachedOutOfFoldProbabilities(context.dataDir, dataset, filtered, passed, spec, () => context.onStage?.(`out-of-fold training (${spec.folds} folds)`));
  const labels = Uint8Array.from(filtered, (i) => dataset.labels[i]!);
  const passedLabels = Uint8Array.from(passed, (i) => dataset.labels[i]!);
  const score = spec.method === 'confidence' ? selfConfidence : normalizedMargin;
  const scores = byRow(dataset.manifest.count, all, [...score(labels, probabilities.candidates), ...score(passedLabels, probabilities.outside)]);
  if (spec.method === 'confidence') return { scores, kept: keep(spec.keep, filtered, dataset.labels, scores), rule: spec.keep };
  const noise = estimateLabelNoise(labels, probabilities.candidates);
  if (spec.pruneBy === 'noise-rate') {
    const issues = new Set(pruneByNoiseRate(labels, probabilities.candidates, noise.prune).map((p) => filtered[p]!));
    return { scores, kept: filtered.filter((i) => !issues.has(i)), noise };
  }
  const kept = spec.keep
    ? keep(spec.keep, filtered, dataset.labels, scores)
    : keepCountPerClass(filtered, dataset.labels, scores, noise.prune.map((row, i) => row[i]!));
  return { scores, kept, noise };
}

/** The estimates a confident-learning version records; a class nobody is labelled with has no threshold (null). */
function noiseParams(noise: LabelNoise): Record<string, unknown> {
  return {
    thresholds: noise.thresholds.map((t) => (Number.isFinite(t) ? t : null)),
    confidentJoint: noise.joint,
    noiseMatrix: noise.noiseMatrix,
    truePrior: noise.truePrior,
  };
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
  let noise: LabelNoise | undefined;
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
    const selection = await select(dataset, spec, filtered, passed, context);
    const selected = new Set(selection.kept);
    kept = input.filter((i) => selected.has(i) || !inSplits.has(dataset.usage[i]!));
    scored = input;
    scores = input.map((i) => selection.scores[i]!);
    sheet = { rows: filtered, scores: filtered.map((i) => selection.scores[i]!) };
    const { method: _method, ...settings } = spec;
    params = { ...settings, splits: context.splits, ...(selection.rule && { keepRule: selection.rule }) };
    noise = selection.noise;
  }
  // The id hashes what was asked, not what was estimated: the same filter trained again (other
  // float rounding, another backend) replaces its version instead of adding one.
  const id = versionId(dataset.manifest.id, parent?.id ?? null, spec.method, params);
  const version: DatasetVersion = {
    id,
    datasetId: dataset.manifest.id,
    parentId: parent?.id ?? null,
    method: spec.method,
    params: noise ? { ...params, ...noiseParams(noise) } : params,
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
  return { version, sheets, noise };
}
