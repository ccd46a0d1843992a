import { sql } from 'drizzle-orm';
import { check, index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const API_KEY_SCOPES = ['translate', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
export const apiKeyScopeEnum = pgEnum('api_key_scope', API_KEY_SCOPES);

/** Only the sha256 of a key is stored; `prefix` is its first characters, for telling keys apart. */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    name: text('name').notNull(),
    prefix: text('prefix').notNull(),
    hash: text('hash').notNull(),
    scopes: apiKeyScopeEnum('scopes').array().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('api_keys_hash_unique').on(t.hash),
    uniqueIndex('api_keys_active_name_unique').on(t.name).where(sql`${t.revokedAt} is null`),
    index('api_keys_prefix_idx').on(t.prefix),
    check('api_keys_hash_hex', sql`${t.hash} ~ '^[0-9a-f]{64}$'`),
    check('api_keys_scopes_nonempty', sql`cardinality(${t.scopes}) > 0`),
  ],
);
