import { fileURLToPath } from 'node:url';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import { migrate as migratePostgres } from 'drizzle-orm/node-postgres/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { DatabaseHandle } from './client.js';

const MIGRATIONS_FOLDER = fileURLToPath(new URL('../migrations', import.meta.url));

// Any constant works; it only has to be the same for every faceaug process sharing a server.
const MIGRATION_LOCK = 7_331_003;

export interface MigrationStatus {
  /** Migrations in `migrations/`. */
  total: number;
  /** Of those, not yet applied to this database. */
  pending: number;
}

/** How far this database is behind `migrations/`, by drizzle's own rule (newer than the last applied). */
export async function migrationStatus(handle: DatabaseHandle): Promise<MigrationStatus> {
  const files = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });
  const last = await lastAppliedMillis(handle);
  return { total: files.length, pending: files.filter((file) => last === undefined || file.folderMillis > last).length };
}

/**
 * Applies pending migrations and returns how many it applied; running it again applies nothing.
 * On Postgres an advisory lock serialises servers that start at the same time, since drizzle's
 * migrator reads what was applied before it opens its transaction. PGlite has one process only.
 */
export async function migrate(handle: DatabaseHandle): Promise<MigrationStatus & { applied: number }> {
  if (handle.kind === 'pglite') return applyPending(handle, () => migratePglite(handle.db as PgliteDatabase, { migrationsFolder: MIGRATIONS_FOLDER }));
  const client = await handle.pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      return await applyPending(handle, () => migratePostgres(drizzlePostgres({ client }), { migrationsFolder: MIGRATIONS_FOLDER }));
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}

async function applyPending(handle: DatabaseHandle, run: () => Promise<void>): Promise<MigrationStatus & { applied: number }> {
  const before = await migrationStatus(handle);
  await run();
  const after = await migrationStatus(handle);
  return { ...after, applied: before.pending - after.pending };
}

async function lastAppliedMillis(handle: DatabaseHandle): Promise<number | undefined> {
  const query = async (text: string): Promise<Record<string, unknown>[]> =>
    handle.kind === 'pglite' ? (await handle.client.query<Record<string, unknown>>(text)).rows : (await handle.pool.query(text)).rows;
  const [table] = await query(`select to_regclass('drizzle.__drizzle_migrations') is not null as present`);
  if (!table?.present) return undefined;
  const [row] = await query('select max(created_at) as last from drizzle.__drizzle_migrations');
  return row?.last === null || row?.last === undefined ? undefined : Number(row.last);
}
