import { asc, eq, getTableColumns } from 'drizzle-orm';
import { EXPRESSIONS } from '../core/expressions.js';
import type { Database } from './client.js';
import { ConflictError, NotFoundError, ValidationError } from './errors.js';
import { packFloat32, packInt32, unpackFloat32, unpackInt32 } from './packed.js';
import { type ClassCounts, type KeptRemovedCounts, datasetVersions, datasets } from './schema/index.js';
import { UNIQUE_VIOLATION, sqlState } from './sql-state.js';

export type { ClassCounts, KeptRemovedCounts };

export interface DatasetInput {
  sourceName: string;
  /** Hex sha256 of the source file's bytes. */
  sha256: string;
  rowCount: number;
  /** Rows per expression; missing expressions count as 0, and the counts must add up to rowCount. */
  classCounts: Partial<ClassCounts>;
  /** How rows are stored, e.g. `fer2013-csv/48x48-gray`. */
  layout: string;
}

export type Dataset = typeof datasets.$inferSelect;

export interface DatasetVersionInput {
  datasetId: number;
  /** The version this one filtered further; null or absent when it filtered the whole data set. */
  parentVersionId?: number | null;
  filterMethod: string;
  filterParams?: Record<string, unknown>;
  /** Row indices (0-based, into the source file) that the filter kept; any order, no repeats. */
  keptRowIds: ArrayLike<number>;
  /** The filter's score for each kept row, in the same order as keptRowIds. */
  keptScores?: ArrayLike<number> | null;
  /** Per expression, rows kept and removed; kept + removed must equal what the filter was given. */
  classCounts: Partial<KeptRemovedCounts>;
}

export interface DatasetVersionSummary {
  id: number;
  datasetId: number;
  parentVersionId: number | null;
  filterMethod: string;
  filterParams: Record<string, unknown>;
  keptCount: number;
  classCounts: KeptRemovedCounts;
  createdAt: Date;
}

export interface DatasetVersion extends DatasetVersionSummary {
  /** Ascending row ids. */
  keptRowIds: Int32Array;
  /** Scores aligned with keptRowIds, or null when the filter does not score. */
  keptScores: Float32Array | null;
}

/** Records an imported source file; the same bytes in the same layout can only be recorded once. */
export async function createDataset(db: Database, input: DatasetInput): Promise<Dataset> {
  if (!/^[0-9a-f]{64}$/.test(input.sha256)) throw new ValidationError(`dataset sha256 must be 64 lowercase hex digits, got '${input.sha256}'`);
  requireCount(input.rowCount, 'dataset rowCount');
  const classCounts = Object.fromEntries(EXPRESSIONS.map((e) => [e, requireCount(input.classCounts[e] ?? 0, `class count of ${e}`)])) as ClassCounts;
  checkKeys(input.classCounts);
  const total = sum(EXPRESSIONS.map((e) => classCounts[e]));
  if (total !== input.rowCount) throw new ValidationError(`class counts add up to ${total}, but the data set has ${input.rowCount} rows`);
  if (!input.sourceName.trim() || !input.layout.trim()) throw new ValidationError('dataset sourceName and layout must not be empty');
  try {
    const [row] = await db.insert(datasets).values({ ...input, classCounts }).returning();
    return row!;
  } catch (error) {
    if (sqlState(error) !== UNIQUE_VIOLATION) throw error;
    const [existing] = await db.select({ id: datasets.id }).from(datasets).where(eq(datasets.sha256, input.sha256));
    throw new ConflictError(`a data set with sha256 ${input.sha256} and layout '${input.layout}' is already recorded (id ${existing?.id})`);
  }
}

/**
 * Records one filter's outcome. It is checked against what the filter was given (the parent's
 * kept rows, or the whole data set): kept rows must come from there and the per-class counts must
 * add up, so a version can never claim rows or classes its input did not have.
 */
export async function createDatasetVersion(db: Database, input: DatasetVersionInput): Promise<DatasetVersion> {
  const [dataset] = await db.select().from(datasets).where(eq(datasets.id, input.datasetId));
  if (!dataset) throw new NotFoundError(`data set ${input.datasetId} does not exist`);
  if (!input.filterMethod.trim()) throw new ValidationError('filterMethod must not be empty');
  const parent = input.parentVersionId == null ? undefined : await getDatasetVersion(db, input.parentVersionId);
  if (parent && parent.datasetId !== dataset.id) {
    throw new ValidationError(`parent version ${parent.id} belongs to data set ${parent.datasetId}, not ${dataset.id}`);
  }

  const { ids, scores } = sortKept(input.keptRowIds, input.keptScores ?? null);
  const allowed = parent ? new Set(parent.keptRowIds) : undefined;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (i > 0 && id === ids[i - 1]) throw new ValidationError(`row ${id} is listed as kept more than once`);
    if (!Number.isInteger(id) || id < 0 || id >= dataset.rowCount) throw new ValidationError(`kept row ${id} is outside data set ${dataset.id} (rows 0-${dataset.rowCount - 1})`);
    if (allowed && !allowed.has(id)) throw new ValidationError(`kept row ${id} was not kept by parent version ${parent!.id}`);
  }
  if (scores?.some((score) => !Number.isFinite(score))) throw new ValidationError('kept scores must be finite numbers');

  checkKeys(input.classCounts);
  const classCounts = {} as KeptRemovedCounts;
  for (const e of EXPRESSIONS) {
    const given = input.classCounts[e] ?? { kept: 0, removed: 0 };
    const counts = { kept: requireCount(given.kept, `kept count of ${e}`), removed: requireCount(given.removed, `removed count of ${e}`) };
    const available = parent ? parent.classCounts[e].kept : dataset.classCounts[e];
    if (counts.kept + counts.removed !== available) {
      throw new ValidationError(`${e}: kept ${counts.kept} + removed ${counts.removed} != ${available} rows the filter was given`);
    }
    classCounts[e] = counts;
  }
  const kept = sum(EXPRESSIONS.map((e) => classCounts[e].kept));
  if (kept !== ids.length) throw new ValidationError(`class counts keep ${kept} rows, but ${ids.length} row ids were given`);

  const [row] = await db
    .insert(datasetVersions)
    .values({
      datasetId: dataset.id,
      parentVersionId: parent?.id ?? null,
      filterMethod: input.filterMethod,
      filterParams: input.filterParams ?? {},
      keptCount: ids.length,
      keptRowIds: packInt32(ids),
      keptScores: scores ? packFloat32(scores) : null,
      classCounts,
    })
    .returning();
  return unpack(row!);
}

export async function getDatasetVersion(db: Database, id: number): Promise<DatasetVersion> {
  const [row] = await db.select().from(datasetVersions).where(eq(datasetVersions.id, id));
  if (!row) throw new NotFoundError(`data set version ${id} does not exist`);
  return unpack(row);
}

export async function listDatasets(db: Database): Promise<Dataset[]> {
  return db.select().from(datasets).orderBy(asc(datasets.id));
}

/** Versions without their row arrays (which can be large), oldest first. */
export async function listDatasetVersions(db: Database, datasetId?: number): Promise<DatasetVersionSummary[]> {
  const { keptRowIds: _ids, keptScores: _scores, ...summary } = getTableColumns(datasetVersions);
  return db
    .select(summary)
    .from(datasetVersions)
    .where(datasetId === undefined ? undefined : eq(datasetVersions.datasetId, datasetId))
    .orderBy(asc(datasetVersions.id));
}

function unpack(row: typeof datasetVersions.$inferSelect): DatasetVersion {
  return { ...row, keptRowIds: unpackInt32(row.keptRowIds), keptScores: row.keptScores ? unpackFloat32(row.keptScores) : null };
}

/** Ids ascending, with scores carried along, so equal sets of rows are stored identically. */
function sortKept(ids: ArrayLike<number>, scores: ArrayLike<number> | null): { ids: number[]; scores: number[] | null } {
  if (scores && scores.length !== ids.length) throw new ValidationError(`${ids.length} kept row ids but ${scores.length} scores`);
  const order = Array.from({ length: ids.length }, (_, i) => i).sort((a, b) => ids[a]! - ids[b]!);
  return { ids: order.map((i) => ids[i]!), scores: scores ? order.map((i) => scores[i]!) : null };
}

function checkKeys(counts: object): void {
  const unknown = Object.keys(counts).filter((key) => !(EXPRESSIONS as readonly string[]).includes(key));
  if (unknown.length > 0) throw new ValidationError(`unknown expression(s) in class counts: ${unknown.join(', ')} (expected ${EXPRESSIONS.join(', ')})`);
}

function requireCount(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0) throw new ValidationError(`${what} must be a non-negative integer, got ${value}`);
  return value;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
