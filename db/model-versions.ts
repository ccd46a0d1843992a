import { type SQL, and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from './client.js';
import { type ArtifactInput, type ResolvedArtifact, resolveArtifact, verifiedBytes } from './artifacts.js';
import { ConflictError, NotFoundError, ValidationError } from './errors.js';
import {
  type AliasName,
  type ArtifactKind,
  type ModelStatus,
  aliases,
  modelArtifacts,
  modelVersions,
  trainingRuns,
  translators,
} from './schema/index.js';
import { type Translator, checkTranslator, formatTranslator } from './translators.js';

/** Names one version of one translator, as operators do: `neutral->happy v3`. */
export interface ModelRef extends Translator {
  version: number;
}

export interface ArtifactInfo {
  kind: ArtifactKind;
  sha256: string;
  sizeBytes: number;
  /** Set when the bytes live outside the database. */
  uri: string | null;
}

export interface ModelVersion extends ModelRef {
  id: number;
  runId: number | null;
  status: ModelStatus;
  metrics: Record<string, unknown>;
  report: string | null;
  createdAt: Date;
  statusChangedAt: Date;
  artifacts: ArtifactInfo[];
  /** Aliases (e.g. `champion`) pointing at this version right now. */
  aliases: AliasName[];
}

export interface VerifiedArtifact extends ArtifactInfo {
  bytes: Buffer;
}

export interface RegisterModelInput extends Translator {
  runId?: number | null;
  /** Versions validated before registration arrive accepted or rejected; default candidate. */
  status?: Exclude<ModelStatus, 'archived'>;
  metrics?: Record<string, unknown>;
  report?: string | null;
  /** Must include the `onnx` artifact the server runs; `tfjs` (the training checkpoint) is optional. */
  artifacts: ArtifactInput[];
}

export function formatRef(ref: ModelRef): string {
  return `${formatTranslator(ref)} v${ref.version}`;
}

/**
 * Registers a checkpoint as the next version of its translator. The number comes from bumping the
 * translator's counter inside the same transaction, so concurrent registrations queue on that row
 * and numbers only ever grow.
 */
export async function registerModelVersion(db: Database, input: RegisterModelInput): Promise<ModelVersion> {
  checkTranslator(input);
  const kinds = input.artifacts.map((artifact) => artifact.kind);
  if (!kinds.includes('onnx')) throw new ValidationError(`${formatTranslator(input)}: a model version needs an onnx artifact to be servable`);
  if (new Set(kinds).size !== kinds.length) throw new ValidationError(`${formatTranslator(input)}: each artifact kind may be given once, got ${kinds.join(', ')}`);
  const status = input.status ?? 'candidate';
  if ((status as string) === 'archived') throw new ValidationError('a model version cannot be registered as archived');
  if (input.runId != null) await checkRun(db, input.runId, input);
  const artifacts = await Promise.all(input.artifacts.map(resolveArtifact));

  const id = await db.transaction(async (tx) => {
    const [counter] = await tx
      .insert(translators)
      .values({ source: input.source, target: input.target, lastVersion: 1 })
      .onConflictDoUpdate({ target: [translators.source, translators.target], set: { lastVersion: sql`${translators.lastVersion} + 1` } })
      .returning({ version: translators.lastVersion });
    const [row] = await tx
      .insert(modelVersions)
      .values({
        source: input.source,
        target: input.target,
        version: counter!.version,
        runId: input.runId ?? null,
        status,
        metrics: input.metrics ?? {},
        report: input.report ?? null,
      })
      .returning({ id: modelVersions.id });
    await tx.insert(modelArtifacts).values(artifacts.map((artifact) => ({ modelVersionId: row!.id, ...artifact })));
    return row!.id;
  });
  return describeOne(db, id);
}

async function checkRun(db: Database, runId: number, translator: Translator): Promise<void> {
  const [run] = await db.select({ source: trainingRuns.source, target: trainingRuns.target }).from(trainingRuns).where(eq(trainingRuns.id, runId));
  if (!run) throw new NotFoundError(`training run ${runId} does not exist`);
  if (run.source !== translator.source || run.target !== translator.target) {
    throw new ValidationError(`training run ${runId} trained ${formatTranslator(run)}, not ${formatTranslator(translator)}`);
  }
}

/**
 * One version with its artifacts' bytes, each checked against its sha256 (IntegrityError when
 * they differ). `kinds` limits which artifacts are loaded, e.g. only `onnx` for serving.
 */
export async function getModelVersion(
  db: Database,
  ref: ModelRef,
  options: { kinds?: ArtifactKind[] } = {},
): Promise<ModelVersion & { verified: VerifiedArtifact[] }> {
  const [version] = await describe(db, refCondition(ref));
  if (!version) throw new NotFoundError(`model version ${formatRef(ref)} does not exist`);
  const stored: ResolvedArtifact[] = await db
    .select({
      kind: modelArtifacts.kind,
      sha256: modelArtifacts.sha256,
      sizeBytes: modelArtifacts.sizeBytes,
      content: modelArtifacts.content,
      uri: modelArtifacts.uri,
    })
    .from(modelArtifacts)
    .where(
      and(eq(modelArtifacts.modelVersionId, version.id), options.kinds ? inArray(modelArtifacts.kind, options.kinds) : undefined),
    )
    .orderBy(asc(modelArtifacts.kind));
  const verified = await Promise.all(
    stored.map(async (artifact) => ({
      kind: artifact.kind,
      sha256: artifact.sha256,
      sizeBytes: artifact.sizeBytes,
      uri: artifact.uri,
      bytes: await verifiedBytes(artifact, `${artifact.kind} artifact of ${formatRef(ref)}`),
    })),
  );
  return { ...version, verified };
}

export interface ModelFilter {
  source?: Translator['source'];
  target?: Translator['target'];
  status?: ModelStatus;
}

/** Versions (without artifact bytes), by translator and version number. */
export async function listModelVersions(db: Database, filter: ModelFilter = {}): Promise<ModelVersion[]> {
  return describe(
    db,
    and(
      filter.source ? eq(modelVersions.source, filter.source) : undefined,
      filter.target ? eq(modelVersions.target, filter.target) : undefined,
      filter.status ? eq(modelVersions.status, filter.status) : undefined,
    ),
  );
}

/** Records the validation verdict on a candidate; any other status change is refused. */
export async function setModelStatus(db: Database, ref: ModelRef, status: 'accepted' | 'rejected'): Promise<ModelVersion> {
  const [row] = await db
    .update(modelVersions)
    .set({ status, statusChangedAt: sql`now()` })
    .where(and(refCondition(ref), eq(modelVersions.status, 'candidate')))
    .returning({ id: modelVersions.id });
  if (!row) {
    const current = await currentStatus(db, ref);
    throw new ConflictError(`${formatRef(ref)} is ${current}, not a candidate; only candidates can be marked ${status}`);
  }
  return describeOne(db, row.id);
}

/**
 * Retires a version. The champion cannot be archived: the server would lose what it serves, so
 * the alias has to move first. Updating the row first takes its lock, which a concurrent promote
 * of the same version also takes, so one of the two always sees the other.
 */
export async function archiveModelVersion(db: Database, ref: ModelRef): Promise<ModelVersion> {
  const id = await db.transaction(async (tx) => {
    const [row] = await tx
      .update(modelVersions)
      .set({ status: 'archived', statusChangedAt: sql`now()` })
      .where(and(refCondition(ref), sql`${modelVersions.status} <> 'archived'`))
      .returning({ id: modelVersions.id });
    if (!row) throw new ConflictError(`${formatRef(ref)} is already ${await currentStatus(tx, ref)}`);
    const pointing = await tx
      .select({ alias: aliases.alias })
      .from(aliases)
      .where(and(eq(aliases.source, ref.source), eq(aliases.target, ref.target), eq(aliases.version, ref.version)));
    if (pointing.length > 0) {
      throw new ConflictError(
        `${formatRef(ref)} is the ${pointing.map((p) => p.alias).join(', ')} of ${formatTranslator(ref)}; promote another version (or roll back) before archiving it`,
      );
    }
    return row.id;
  });
  return describeOne(db, id);
}

export function refCondition(ref: ModelRef) {
  return and(eq(modelVersions.source, ref.source), eq(modelVersions.target, ref.target), eq(modelVersions.version, ref.version));
}

/** The status of a version, or NotFoundError: turns "nothing matched" into the right error. */
async function currentStatus(db: Database, ref: ModelRef): Promise<ModelStatus> {
  const [row] = await db.select({ status: modelVersions.status }).from(modelVersions).where(refCondition(ref));
  if (!row) throw new NotFoundError(`model version ${formatRef(ref)} does not exist`);
  return row.status;
}

async function describeOne(db: Database, id: number): Promise<ModelVersion> {
  const [version] = await describe(db, eq(modelVersions.id, id));
  return version!;
}

/** Versions matching `condition`, each with its artifact summaries and the aliases on it. */
async function describe(db: Database, condition: SQL | undefined): Promise<ModelVersion[]> {
  const rows = await db
    .select()
    .from(modelVersions)
    .where(condition)
    .orderBy(asc(modelVersions.source), asc(modelVersions.target), asc(modelVersions.version));
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  const artifacts = await db
    .select({
      modelVersionId: modelArtifacts.modelVersionId,
      kind: modelArtifacts.kind,
      sha256: modelArtifacts.sha256,
      sizeBytes: modelArtifacts.sizeBytes,
      uri: modelArtifacts.uri,
    })
    .from(modelArtifacts)
    .where(inArray(modelArtifacts.modelVersionId, ids))
    .orderBy(asc(modelArtifacts.kind));
  const pointers = await db
    .select({ id: modelVersions.id, alias: aliases.alias })
    .from(aliases)
    .innerJoin(
      modelVersions,
      and(eq(aliases.source, modelVersions.source), eq(aliases.target, modelVersions.target), eq(aliases.version, modelVersions.version)),
    )
    .where(inArray(modelVersions.id, ids));
  return rows.map((row) => ({
    ...row,
    artifacts: artifacts.filter((a) => a.modelVersionId === row.id).map(({ modelVersionId: _, ...info }) => info),
    aliases: pointers.filter((p) => p.id === row.id).map((p) => p.alias),
  }));
}
