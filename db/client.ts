import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { readSetting } from '../core/config.js';

/** What every registry function takes: a drizzle database (or a transaction) on either driver. */
export type Database = PgDatabase<PgQueryResultHKT>;

export type DatabaseHandle =
  | { kind: 'pglite'; db: Database; location: string; client: PGlite; close(): Promise<void> }
  | { kind: 'postgres'; db: Database; location: string; pool: pg.Pool; close(): Promise<void> };

export interface OpenOptions {
  /** Postgres connection string; defaults to DATABASE_URL unless `dataDir` is given. */
  url?: string;
  /** Directory whose `pglite/` holds the embedded database; defaults to FACEAUG_DATA_DIR. */
  dataDir?: string;
}

/**
 * Opens the database the configuration points at: a node-postgres pool when a URL is set, the
 * embedded PGlite otherwise, so a fresh clone works without a server. An explicit `dataDir`
 * always means PGlite, so tests and tools can pin the embedded database whatever the environment says.
 */
export async function openDatabase(options: OpenOptions = {}): Promise<DatabaseHandle> {
  const url = options.url ?? (options.dataDir === undefined ? readSetting('databaseUrl') : undefined);
  if (url !== undefined) {
    // A database that is down or hung must fail a request within bounds, never hang it.
    const pool = new pg.Pool({
      connectionString: url,
      connectionTimeoutMillis: readSetting('databaseConnectTimeoutMs'),
      query_timeout: readSetting('databaseQueryTimeoutMs'),
    });
    // An idle client that loses its server must not crash the process; the next query reports it.
    pool.on('error', () => undefined);
    return { kind: 'postgres', db: drizzlePostgres({ client: pool }), location: redactPassword(url), pool, close: () => pool.end() };
  }
  const location = resolve(options.dataDir ?? readSetting('dataDir'), 'pglite');
  mkdirSync(location, { recursive: true });
  const client = new PGlite(location, { serializers: { [BYTEA_OID]: byteaToHex }, parsers: { [BYTEA_OID]: byteaFromHex } });
  await client.waitReady;
  return { kind: 'pglite', db: drizzlePglite({ client }), location, client, close: () => client.close() };
}

const BYTEA_OID = 17;

/*
 * PGlite sends and receives bytea as hex text, converted by default a byte at a time in
 * JavaScript (an array element and a string per byte): about 0.5 s per MiB on the event loop's
 * thread, which any query with an image or a model in it holds. Buffer's native hex codec does
 * the same in a few milliseconds.
 */
const byteaToHex = (value: Uint8Array) => `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
const byteaFromHex = (text: string) => Buffer.from(text.slice(2), 'hex');

function redactPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres (unparseable DATABASE_URL)';
  }
}
