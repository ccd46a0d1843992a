import { randomBytes } from 'node:crypto';
import { type TestContext, test } from 'node:test';
import pg from 'pg';

/** The server Postgres tests run against; unset, they are skipped (PGlite variants still run). */
const POSTGRES_URL = process.env.TEST_DATABASE_URL || undefined;
const EXAMPLE = 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Registers `<name> [postgres]`: run on a throwaway database of its own, or skipped with a
 * one-line reason when TEST_DATABASE_URL is unset. `why` says what needs the server, when that
 * is more than "the Postgres variant of a test that also runs on PGlite".
 */
export function postgresTest(name: string, body: (url: string, t: TestContext) => Promise<void>, options: { why?: string } = {}): void {
  test(`${name} [postgres]`, async (t) => {
    if (!POSTGRES_URL) return t.skip(`TEST_DATABASE_URL not set: ${options.why ?? 'the Postgres variant needs a server'} (e.g. ${EXAMPLE})`);
    await withPostgresDatabase((url) => body(url, t));
  });
}

/** Creates `faceaug_test_<random>` next to TEST_DATABASE_URL's database, passes its URL, and drops it afterwards. */
async function withPostgresDatabase(body: (url: string) => Promise<void>): Promise<void> {
  if (!POSTGRES_URL) throw new Error('TEST_DATABASE_URL is not set');
  const name = `faceaug_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
    const url = new URL(POSTGRES_URL);
    url.pathname = `/${name}`;
    try {
      await body(url.toString());
    } finally {
      // with (force): a failed test may leave connections (a killed worker's, a pool) open.
      await admin.query(`drop database if exists ${name} with (force)`);
    }
  } finally {
    await admin.end();
  }
}

/**
 * Runs `body` with DATABASE_URL set to `url` (or unset), restoring the caller's value afterwards:
 * for code under test that reads the configured registry from the environment.
 */
export async function withDatabaseUrl<T>(url: string | undefined, body: () => Promise<T>): Promise<T> {
  const saved = process.env.DATABASE_URL;
  if (url === undefined) delete process.env.DATABASE_URL;
  else process.env.DATABASE_URL = url;
  try {
    return await body();
  } finally {
    if (saved === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = saved;
  }
}
