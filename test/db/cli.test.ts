import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openDatabase } from '../../db/client.js';
import { registerModelVersion } from '../../db/registry.js';
import { faceaugAsync } from '../helpers/cli.js';
import { MIGRATION_COUNT, NEUTRAL_HAPPY, onnxBytes } from './fixtures.js';

const dataDir = mkdtempSync(join(tmpdir(), 'faceaug-cli-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

type Run = Awaited<ReturnType<typeof faceaugAsync>>;

/** Runs the real `faceaug` entry point on the test's PGlite directory (the helper drops any DATABASE_URL). */
function faceaug(...args: string[]): Promise<Run> {
  return faceaugAsync(args, { FACEAUG_DATA_DIR: dataDir });
}

function json(run: Run): unknown {
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout);
}

test('faceaug db migrate, models and keys on an empty data directory', async () => {
  const unmigrated = await faceaug('models', 'list', '--json');
  assert.equal(unmigrated.code, 1);
  assert.match(unmigrated.stderr, new RegExp(`^faceaug: the database at .* lacks ${MIGRATION_COUNT} of ${MIGRATION_COUNT} migrations; run \`faceaug db migrate\` first\n$`));

  assert.deepEqual(json(await faceaug('db', 'migrate', '--json')), { kind: 'pglite', location: join(dataDir, 'pglite'), total: MIGRATION_COUNT, pending: 0, applied: MIGRATION_COUNT });
  const empty = await faceaug('models', 'list', '--json');
  assert.equal(empty.code, 0);
  assert.equal(empty.stdout, '[]\n');

  const handle = await openDatabase({ dataDir });
  try {
    for (const n of [1, 2]) await registerModelVersion(handle.db, { ...NEUTRAL_HAPPY, status: 'accepted', artifacts: [{ kind: 'onnx', bytes: onnxBytes(n) }] });
  } finally {
    await handle.close();
  }

  const promoted = json(await faceaug('models', 'promote', 'neutral:happy', '1', '--expect', 'none', '--actor', 'ci', '--json')) as Record<string, unknown>;
  assert.deepEqual([promoted.action, promoted.fromVersion, promoted.toVersion, promoted.actor], ['promote', null, 1, 'ci']);
  const stale = await faceaug('models', 'promote', 'neutral->happy', '2', '--expect', 'none');
  assert.equal(stale.code, 1);
  assert.match(stale.stderr, /^faceaug: stale promote of neutral->happy: expected champion none, but it is v1; nothing changed\n$/);

  const shown = json(await faceaug('models', 'show', 'neutral:happy', 'v1', '--json')) as { aliases: string[]; artifacts: Array<{ kind: string; verified: boolean }> };
  assert.deepEqual(shown.aliases, ['champion']);
  assert.deepEqual(shown.artifacts.map((a) => [a.kind, a.verified]), [['onnx', true]]);
  const listed = await faceaug('models', 'list');
  assert.equal(listed.code, 0);
  assert.match(listed.stdout, /^translator\s+version\s+status\s+aliases/);
  assert.match(listed.stdout, /neutral->happy\s+1\s+accepted\s+champion/);

  const created = json(await faceaug('keys', 'create', '--name', 'ci', '--scope', 'admin', '--json')) as { key: string; scopes: string[] };
  assert.match(created.key, /^fa_/);
  assert.deepEqual(created.scopes, ['admin']);
  const keys = await faceaug('keys', 'list', '--json');
  assert.equal(keys.code, 0);
  assert.ok(!keys.stdout.includes(created.key), 'listing never shows a key');
  assert.deepEqual((JSON.parse(keys.stdout) as Array<{ name: string }>).map((k) => k.name), ['ci']);
});

test('faceaug rejects malformed arguments with one clear line', async () => {
  const bad = await faceaug('models', 'show', 'neutral:joy', '1');
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, "faceaug: unknown expression 'joy' (expected one of angry, disgust, fear, happy, sad, surprise, neutral)\n");
});
