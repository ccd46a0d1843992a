import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createApiKey, listApiKeys, revokeApiKey, verifyApiKey } from '../../db/api-keys.js';
import { ConflictError, NotFoundError, ValidationError } from '../../db/errors.js';
import { dbTest, rawQuery } from './databases.js';

dbTest('API keys are stored only as hashes and stop working when revoked', async (handle) => {
  const { db } = handle;
  const { key, plaintext } = await createApiKey(db, { name: 'frontend', scopes: ['translate'] });
  assert.match(plaintext, /^fa_[A-Za-z0-9_-]{43}$/);
  assert.equal(key.prefix, plaintext.slice(0, 11));
  assert.deepEqual(key.scopes, ['translate']);

  const rows = await rawQuery(handle, 'select * from api_keys');
  const stored = JSON.stringify(rows);
  assert.ok(!stored.includes(plaintext.slice(11)), 'the secret part of the key is nowhere in the table');
  assert.equal(rows[0]!.hash, createHash('sha256').update(plaintext).digest('hex'));

  assert.deepEqual(await verifyApiKey(db, plaintext), key);
  assert.equal(await verifyApiKey(db, plaintext.slice(0, -1) + (plaintext.endsWith('A') ? 'B' : 'A')), undefined);
  assert.equal(await verifyApiKey(db, 'not a key'), undefined);

  const admin = await createApiKey(db, { name: 'ops', scopes: ['admin', 'translate', 'admin'] });
  assert.deepEqual(admin.key.scopes, ['admin', 'translate']);
  assert.notEqual(admin.plaintext, plaintext);

  const revoked = await revokeApiKey(db, key.id);
  assert.ok(revoked.revokedAt instanceof Date);
  assert.equal(await verifyApiKey(db, plaintext), undefined);
  assert.deepEqual(await verifyApiKey(db, admin.plaintext), admin.key);
  await assert.rejects(revokeApiKey(db, key.id), ConflictError);
  await assert.rejects(revokeApiKey(db, 999), NotFoundError);
  assert.deepEqual((await listApiKeys(db)).map((k) => k.name), ['ops']);
  assert.deepEqual((await listApiKeys(db, { includeRevoked: true })).map((k) => k.name), ['frontend', 'ops']);
});

dbTest('API key input is checked, and a name is unique among live keys', async ({ db }) => {
  await assert.rejects(createApiKey(db, { name: ' ', scopes: ['translate'] }), ValidationError);
  await assert.rejects(createApiKey(db, { name: 'x', scopes: [] }), /at least one scope/);
  await assert.rejects(createApiKey(db, { name: 'x', scopes: ['root' as 'admin'] }), /unknown scope\(s\) root/);
  const first = await createApiKey(db, { name: 'batch', scopes: ['translate'] });
  await assert.rejects(createApiKey(db, { name: 'batch', scopes: ['translate'] }), /active API key named 'batch' already exists/);
  await revokeApiKey(db, first.key.id);
  const second = await createApiKey(db, { name: 'batch', scopes: ['translate'] });
  assert.notEqual(second.key.id, first.key.id, 'a revoked key frees its name');
});
