import { createHash, randomBytes } from 'node:crypto';
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Database } from './client.js';
import { ConflictError, NotFoundError, ValidationError } from './errors.js';
import { API_KEY_SCOPES, type ApiKeyScope, apiKeys } from './schema/index.js';
import { UNIQUE_VIOLATION, sqlState } from './sql-state.js';

export type { ApiKeyScope };

/** A key as stored: never the key itself. */
export interface ApiKey {
  id: number;
  name: string;
  /** The key's first characters, enough to tell keys apart in listings and logs. */
  prefix: string;
  scopes: ApiKeyScope[];
  createdAt: Date;
  revokedAt: Date | null;
}

const KEY_PREFIX = 'fa_';
const DISPLAY_LENGTH = KEY_PREFIX.length + 8;
const KEY_FORMAT = /^fa_[A-Za-z0-9_-]{43}$/;

const columns = {
  id: apiKeys.id,
  name: apiKeys.name,
  prefix: apiKeys.prefix,
  scopes: apiKeys.scopes,
  createdAt: apiKeys.createdAt,
  revokedAt: apiKeys.revokedAt,
};

// Keys carry 256 random bits, so a plain sha256 cannot be brute-forced; a slow password hash
// would only slow down every request.
function hashKey(plaintext: string): string {
  return createHash('sha256').update(plaintext).digest('hex');
}

/** Creates a key and returns its plaintext: the only time it exists outside the caller's hands. */
export async function createApiKey(db: Database, input: { name: string; scopes: ApiKeyScope[] }): Promise<{ key: ApiKey; plaintext: string }> {
  const name = input.name.trim();
  if (!name) throw new ValidationError('an API key needs a name');
  const scopes = [...new Set(input.scopes)];
  if (scopes.length === 0) throw new ValidationError(`an API key needs at least one scope (${API_KEY_SCOPES.join(', ')})`);
  const unknown = scopes.filter((scope) => !API_KEY_SCOPES.includes(scope));
  if (unknown.length > 0) throw new ValidationError(`unknown scope(s) ${unknown.join(', ')} (expected ${API_KEY_SCOPES.join(', ')})`);
  const plaintext = KEY_PREFIX + randomBytes(32).toString('base64url');
  try {
    const [key] = await db
      .insert(apiKeys)
      .values({ name, scopes, prefix: plaintext.slice(0, DISPLAY_LENGTH), hash: hashKey(plaintext) })
      .returning(columns);
    return { key: key!, plaintext };
  } catch (error) {
    if (sqlState(error) === UNIQUE_VIOLATION) throw new ConflictError(`an active API key named '${name}' already exists; revoke it or pick another name`);
    throw error;
  }
}

/** The key's record when the plaintext is a live key; undefined for unknown, malformed or revoked keys. */
export async function verifyApiKey(db: Database, plaintext: string): Promise<ApiKey | undefined> {
  if (!KEY_FORMAT.test(plaintext)) return undefined;
  const [key] = await db
    .select(columns)
    .from(apiKeys)
    .where(and(eq(apiKeys.hash, hashKey(plaintext)), isNull(apiKeys.revokedAt)));
  return key;
}

export async function revokeApiKey(db: Database, id: number): Promise<ApiKey> {
  const [key] = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning(columns);
  if (key) return key;
  const [existing] = await db.select(columns).from(apiKeys).where(eq(apiKeys.id, id));
  if (!existing) throw new NotFoundError(`API key ${id} does not exist`);
  throw new ConflictError(`API key ${id} (${existing.name}) was already revoked at ${existing.revokedAt!.toISOString()}`);
}

export async function listApiKeys(db: Database, options: { includeRevoked?: boolean } = {}): Promise<ApiKey[]> {
  return db
    .select(columns)
    .from(apiKeys)
    .where(options.includeRevoked ? undefined : isNull(apiKeys.revokedAt))
    .orderBy(asc(apiKeys.id));
}
