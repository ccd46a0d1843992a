import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { migrationStatus } from '../../db/migrate.js';
import { openRegistry, withRegistry } from '../../db/open-registry.js';
import { postgresTest, withDatabaseUrl } from '../helpers/postgres.js';

test('without DATABASE_URL the registry is the embedded PGlite under the data dir, migrated; null pins it whatever DATABASE_URL says', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'faceaug-open-registry-'));
  try {
    await withDatabaseUrl(undefined, () =>
      withRegistry(dataDir, async (handle) => {
        assert.deepEqual([handle.kind, handle.location], ['pglite', join(dataDir, 'pglite')]);
        assert.equal((await migrationStatus(handle)).pending, 0);
      }),
    );
    // Nothing listens on port 1: had the URL been used, opening would fail.
    const handle = await withDatabaseUrl('postgres://nobody@127.0.0.1:1/none', () => openRegistry(dataDir, null));
    try {
      assert.equal(handle.kind, 'pglite');
    } finally {
      await handle.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

postgresTest('with DATABASE_URL the registry is that Postgres database, migrated, and no PGlite is created', async (url) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'faceaug-open-registry-'));
  try {
    await withDatabaseUrl(url, () =>
      withRegistry(dataDir, async (handle) => {
        assert.equal(handle.kind, 'postgres');
        assert.equal((await migrationStatus(handle)).pending, 0);
      }),
    );
    assert.equal(existsSync(join(dataDir, 'pglite')), false);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
