import assert from 'node:assert/strict';
import type { DatabaseHandle } from '../../db/client.js';
import { openDatabase } from '../../db/client.js';
import { migrate, migrationStatus } from '../../db/migrate.js';
import { postgresTest } from '../helpers/postgres.js';
import { dbTest, rawQuery } from './databases.js';
import { MIGRATION_COUNT } from './fixtures.js';

/** Everything migrations create, read from the catalogs, so two states can be compared exactly. */
async function schemaFingerprint(handle: DatabaseHandle): Promise<string> {
  const parts = await Promise.all([
    rawQuery(handle, `select table_name, column_name, data_type, is_nullable, column_default from information_schema.columns
                      where table_schema in ('public', 'drizzle') order by 1, 2`),
    rawQuery(handle, `select conrelid::regclass::text as tbl, conname, pg_get_constraintdef(oid) as def from pg_constraint
                      where connamespace = 'public'::regnamespace order by 1, 2`),
    rawQuery(handle, `select indexname, indexdef from pg_indexes where schemaname = 'public' order by 1`),
    rawQuery(handle, `select tgname, tgrelid::regclass::text as tbl from pg_trigger where not tgisinternal order by 1`),
    rawQuery(handle, `select t.typname, e.enumlabel from pg_enum e join pg_type t on t.oid = e.enumtypid order by 1, e.enumsortorder`),
    rawQuery(handle, `select hash, created_at::text from drizzle.__drizzle_migrations order by id`),
  ]);
  return JSON.stringify(parts);
}

dbTest(
  'migrations apply once and a second run changes nothing',
  async (handle) => {
    assert.deepEqual(await migrationStatus(handle), { total: MIGRATION_COUNT, pending: MIGRATION_COUNT });
    const first = await migrate(handle);
    assert.deepEqual(first, { total: MIGRATION_COUNT, pending: 0, applied: MIGRATION_COUNT });
    const before = await schemaFingerprint(handle);
    assert.match(before, /model_versions_status_only/, 'the guard triggers are part of the schema');
    const second = await migrate(handle);
    assert.deepEqual(second, { total: MIGRATION_COUNT, pending: 0, applied: 0 });
    assert.equal(await schemaFingerprint(handle), before);
  },
  { migrated: false },
);

postgresTest('servers migrating at the same moment apply each migration once', async (url) => {
  const handles = await Promise.all([1, 2, 3].map(() => openDatabase({ url })));
  try {
    const results = await Promise.all(handles.map((handle) => migrate(handle)));
    assert.deepEqual(results.map((r) => r.applied).sort(), [0, 0, MIGRATION_COUNT]);
    const rows = await rawQuery(handles[0]!, 'select count(*)::int as n from drizzle.__drizzle_migrations');
    assert.equal(rows[0]!.n, MIGRATION_COUNT);
  } finally {
    await Promise.all(handles.map((handle) => handle.close()));
  }
}, { why: 'migrations racing each other need a server several connections share' });
