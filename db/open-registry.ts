import { readSetting } from '../core/config.js';
import { type DatabaseHandle, openDatabase } from './client.js';
import { migrate } from './migrate.js';

/**
 * The registry every faceaug tool records into, migrated: Postgres at `databaseUrl` (default
 * DATABASE_URL), else the embedded PGlite under `dataDir`. `null` pins PGlite whatever the
 * environment says (tests, and a server told to run embedded).
 */
export async function openRegistry(dataDir: string, databaseUrl?: string | null): Promise<DatabaseHandle> {
  const url = databaseUrl === null ? undefined : (databaseUrl ?? readSetting('databaseUrl'));
  const handle = await openDatabase(url ? { url } : { dataDir });
  try {
    await migrate(handle);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}

/**
 * Opens the registry around `body` only: the embedded PGlite admits one process at a time, so a
 * long job (a training run, a validation) that held it would lock out `faceaug models` and others.
 */
export async function withRegistry<T>(dataDir: string, body: (handle: DatabaseHandle) => Promise<T>): Promise<T> {
  const handle = await openRegistry(dataDir);
  try {
    return await body(handle);
  } finally {
    await handle.close();
  }
}
