import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDatabaseUnavailable } from '../../db/errors.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

test('database errors that mean "cannot answer now" are told apart from wrong queries', () => {
  assert.ok(isDatabaseUnavailable(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')));
  assert.ok(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect')));
  assert.ok(isDatabaseUnavailable(new Error('Query read timeout')));
  assert.ok(isDatabaseUnavailable(withCode('terminating connection due to administrator command', '57P01')));
  assert.ok(isDatabaseUnavailable(withCode('connection failure', '08006')));
  // drizzle wraps the driver's error as its cause.
  assert.ok(isDatabaseUnavailable(new Error('Failed query: select 1', { cause: new Error('Connection terminated unexpectedly') })));
  assert.ok(!isDatabaseUnavailable(withCode('duplicate key value violates unique constraint', '23505')));
  assert.ok(!isDatabaseUnavailable(withCode('relation "x" does not exist', '42P01')));
  assert.ok(!isDatabaseUnavailable('ECONNREFUSED'));
});
