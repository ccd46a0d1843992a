import { customType, pgEnum } from 'drizzle-orm/pg-core';
import { EXPRESSIONS } from '../../core/expressions.js';

/**
 * bytea as a Buffer on both drivers: node-postgres already returns Buffers, PGlite returns plain
 * Uint8Arrays, and callers should not have to care which one they got.
 */
export const bytea = customType<{ data: Buffer; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  toDriver: (value) => value,
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)),
});

/** The database checks expression names itself, so a typo in any writer cannot store a bogus class. */
export const expressionEnum = pgEnum('expression', EXPRESSIONS);
