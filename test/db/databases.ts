import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { type TestContext, after, test } from 'node:test';
import { type DatabaseHandle, openDatabase } from '../../db/client.js';
import { migrate } from '../../db/migrate.js';
import { postgresTest } from '../helpers/postgres.js';

const scratch = mkdtempSync(join(tmpdir(), 'faceaug-db-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * Runs `body` once on a fresh PGlite and once on a fresh Postgres database (skipped with a reason
 * when TEST_DATABASE_URL is unset), each migrated unless `migrated: false`.
 */
export function dbTest(
  name: string,
  body: (handle: DatabaseHandle, t: TestContext) => Promise<void>,
  options: { migrated?: boolean } = {},
): void {
  const migrated = options.migrated ?? true;
  test(`${name} [pglite]`, async (t) => {
    const dataDir = migrated ? await copyOfMigratedPglite() : join(scratch, `fresh-${randomBytes(6).toString('hex')}`);
    const handle = await openDatabase({ dataDir });
    try {
      await body(handle, t);
    } finally {
      await handle.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
  postgresTest(name, async (url, t) => {
    const handle = await openDatabase({ url });
    try {
      if (migrated) await migrate(handle);
      await body(handle, t);
    } finally {
      await handle.close();
    }
  });
}

let template: Promise<string> | undefined;

// initdb in PGlite takes seconds; migrating one data directory per file and copying it per test
// gives every test a fresh database for the price of a file copy.
async function copyOfMigratedPglite(): Promise<string> {
  template ??= (async () => {
    const dir = join(scratch, 'template');
    const handle = await openDatabase({ dataDir: dir });
    await migrate(handle);
    await handle.close();
    return dir;
  })();
  const copy = join(scratch, `db-${randomBytes(6).toString('hex')}`);
  cpSync(await template, copy, { recursive: true });
  return copy;
}

/** Raw SQL on the handle's own client, for what the registry API rightly cannot do (corrupting bytes). */
export async function rawQuery<T extends Record<string, unknown>>(handle: DatabaseHandle, text: string, params: unknown[] = []): Promise<T[]> {
  if (handle.kind === 'pglite') return (await handle.client.query<T>(text, params)).rows;
  return (await handle.pool.query<T>(text, params)).rows;
}
