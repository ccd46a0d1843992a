import { and, asc, eq } from 'drizzle-orm';
import type { Database } from './client.js';
import { ConflictError, NotFoundError, ValidationError } from './errors.js';
import { type ModelRef, formatRef, refCondition } from './model-versions.js';
import { type AliasAction, aliasEvents, aliases, modelVersions } from './schema/index.js';
import { type Translator, checkTranslator, formatTranslator } from './translators.js';

const CHAMPION = 'champion';

export interface Champion extends Translator {
  version: number;
  updatedAt: Date;
}

export interface AliasEvent extends Translator {
  id: number;
  alias: string;
  action: AliasAction;
  fromVersion: number | null;
  toVersion: number;
  actor: string;
  reason: string | null;
  forced: boolean;
  createdAt: Date;
}

export interface PromoteInput extends ModelRef {
  /** The champion the caller believes it replaces, or null for "there is none yet". */
  expectedVersion: number | null;
  actor: string;
  reason?: string;
  /** Lets a version that is not `accepted` become champion; the reason goes to the audit log. */
  force?: { reason: string };
}

/**
 * Makes a version the champion of its translator, if the champion is still `expectedVersion`.
 * The move is one conditional UPDATE (or INSERT for the first champion) whose WHERE names the
 * expected version, so of any number of concurrent promotes from the same state exactly one
 * matches a row; the rest get a ConflictError and change nothing. The audit event is written in
 * the same transaction.
 */
export async function promote(db: Database, input: PromoteInput): Promise<AliasEvent> {
  checkTranslator(input);
  const actor = requireText(input.actor, 'actor must not be empty');
  const forceReason = input.force ? requireText(input.force.reason, 'a forced promote needs a non-empty reason') : undefined;
  if (input.expectedVersion === undefined) throw new ValidationError('promote needs expectedVersion: the current champion, or null when there is none');
  if (input.expectedVersion === input.version) throw new ValidationError(`promoting ${formatRef(input)} over itself changes nothing`);
  return db.transaction(async (tx) => {
    await lockPromotable(tx, input, forceReason !== undefined);
    const moved =
      input.expectedVersion === null
        ? await tx
            .insert(aliases)
            .values({ source: input.source, target: input.target, alias: CHAMPION, version: input.version })
            .onConflictDoNothing()
            .returning({ version: aliases.version })
        : await tx
            .update(aliases)
            .set({ version: input.version, updatedAt: new Date() })
            .where(and(championOf(input), eq(aliases.version, input.expectedVersion)))
            .returning({ version: aliases.version });
    if (moved.length === 0) {
      const current = await championVersion(tx, input);
      throw new ConflictError(
        `stale promote of ${formatTranslator(input)}: expected champion ${describeVersion(input.expectedVersion)}, but it is ${describeVersion(current)}; nothing changed`,
      );
    }
    return record(tx, input, 'promote', input.expectedVersion, input.version, actor, forceReason ?? input.reason, forceReason !== undefined);
  });
}

export interface RollbackInput extends Translator {
  actor: string;
  reason?: string;
  force?: { reason: string };
}

/**
 * What a rollback of a translator would do now: move the champion `fromVersion` back to
 * `toVersion`, or nothing, for the reason `blocker` gives (the error a rollback would raise).
 */
export interface RollbackPreview {
  fromVersion: number | null;
  toVersion: number | null;
  blocker: string | null;
}

/**
 * Moves the champion back to the one it replaced. The audit log is read as a stack (a promote
 * pushes, a rollback pops), so repeated rollbacks walk further back instead of flip-flopping.
 * The alias row is locked first, so concurrent rollbacks queue and each sees the last one's event.
 */
export async function rollback(db: Database, input: RollbackInput): Promise<AliasEvent> {
  checkTranslator(input);
  const actor = requireText(input.actor, 'actor must not be empty');
  const forceReason = input.force ? requireText(input.force.reason, 'a forced rollback needs a non-empty reason') : undefined;
  return db.transaction(async (tx) => {
    const plan = await planRollback(tx, input, true);
    if (plan.blocker) throw plan.blocker;
    const target = { ...input, version: plan.toVersion! };
    await lockPromotable(tx, target, forceReason !== undefined);
    await tx.update(aliases).set({ version: target.version, updatedAt: new Date() }).where(championOf(input));
    return record(tx, input, 'rollback', plan.fromVersion, target.version, actor, forceReason ?? input.reason, forceReason !== undefined);
  });
}

/** The rollback {@link rollback} would make now, without making it, so a client can tell before it asks. */
export async function previewRollback(db: Database, translator: Translator): Promise<RollbackPreview> {
  const { fromVersion, toVersion, blocker } = await planRollback(db, checkTranslator(translator), false);
  return { fromVersion, toVersion, blocker: blocker?.message ?? null };
}

async function planRollback(db: Database, translator: Translator, lock: boolean): Promise<{ fromVersion: number | null; toVersion: number | null; blocker: Error | null }> {
  const query = db.select({ version: aliases.version }).from(aliases).where(championOf(translator));
  const [current] = lock ? await query.for('update') : await query;
  if (!current) return { fromVersion: null, toVersion: null, blocker: new NotFoundError(`${formatTranslator(translator)} has no champion to roll back`) };
  const previous = rollbackTarget(await events(db, translator));
  if (previous === undefined) {
    return { fromVersion: current.version, toVersion: null, blocker: new ConflictError(`${formatTranslator(translator)} v${current.version} has no earlier champion to roll back to`) };
  }
  return { fromVersion: current.version, toVersion: previous, blocker: null };
}

/** The champion before the current one, reading the audit log as a stack: a promote pushes, a rollback pops. */
export function rollbackTarget(log: readonly Pick<AliasEvent, 'action' | 'toVersion'>[]): number | undefined {
  const stack: number[] = [];
  for (const event of log) {
    if (event.action === 'promote') stack.push(event.toVersion);
    else stack.pop();
  }
  return stack.at(-2);
}

/** Every alias move of a translator, oldest first. */
export async function history(db: Database, translator: Translator): Promise<AliasEvent[]> {
  return events(db, checkTranslator(translator));
}

export async function getChampion(db: Database, translator: Translator): Promise<Champion | undefined> {
  const [row] = await db
    .select({ source: aliases.source, target: aliases.target, version: aliases.version, updatedAt: aliases.updatedAt })
    .from(aliases)
    .where(championOf(checkTranslator(translator)));
  return row;
}

export async function getChampions(db: Database): Promise<Champion[]> {
  return db
    .select({ source: aliases.source, target: aliases.target, version: aliases.version, updatedAt: aliases.updatedAt })
    .from(aliases)
    .where(eq(aliases.alias, CHAMPION))
    .orderBy(asc(aliases.source), asc(aliases.target));
}

/**
 * Checks that a version may become champion while holding a share lock on it, so a concurrent
 * archive (which updates the row) waits for this transaction or is seen by it.
 */
async function lockPromotable(db: Database, ref: ModelRef, forced: boolean): Promise<void> {
  const [row] = await db.select({ status: modelVersions.status }).from(modelVersions).where(refCondition(ref)).for('share');
  if (!row) throw new NotFoundError(`model version ${formatRef(ref)} does not exist`);
  if (row.status === 'archived') throw new ValidationError(`${formatRef(ref)} is archived and cannot become champion, forced or not`);
  if (row.status !== 'accepted' && !forced) {
    throw new ValidationError(`${formatRef(ref)} is ${row.status}; only accepted versions become champion unless forced with a reason`);
  }
}

async function record(
  db: Database,
  translator: Translator,
  action: AliasAction,
  fromVersion: number | null,
  toVersion: number,
  actor: string,
  reason: string | undefined,
  forced: boolean,
): Promise<AliasEvent> {
  const [event] = await db
    .insert(aliasEvents)
    .values({ source: translator.source, target: translator.target, alias: CHAMPION, action, fromVersion, toVersion, actor, reason: reason ?? null, forced })
    .returning();
  return event!;
}

async function events(db: Database, translator: Translator): Promise<AliasEvent[]> {
  return db
    .select()
    .from(aliasEvents)
    .where(and(eq(aliasEvents.source, translator.source), eq(aliasEvents.target, translator.target), eq(aliasEvents.alias, CHAMPION)))
    .orderBy(asc(aliasEvents.id));
}

async function championVersion(db: Database, translator: Translator): Promise<number | null> {
  const [row] = await db.select({ version: aliases.version }).from(aliases).where(championOf(translator));
  return row?.version ?? null;
}

function championOf(translator: Translator) {
  return and(eq(aliases.source, translator.source), eq(aliases.target, translator.target), eq(aliases.alias, CHAMPION));
}

function describeVersion(version: number | null): string {
  return version === null ? 'none' : `v${version}`;
}

function requireText(value: string | undefined, message: string): string {
  const trimmed = value?.trim() ?? '';
  if (trimmed === '') throw new ValidationError(message);
  return trimmed;
}
