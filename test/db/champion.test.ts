import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConflictError, NotFoundError, ValidationError } from '../../db/errors.js';
import { rollbackTarget } from '../../db/champion.js';
import { archive, getChampion, getChampions, getModelVersion, history, previewRollback, promote, registerModelVersion, rollback } from '../../db/registry.js';
import { dbTest, rawQuery } from './databases.js';
import { NEUTRAL_HAPPY, NEUTRAL_SAD, onnxBytes, registerAccepted } from './fixtures.js';

const actor = 'test';

dbTest('20 concurrent promotes from the same champion leave exactly one winner and a complete audit log', async ({ db }) => {
  await registerAccepted(db, NEUTRAL_HAPPY, 21);
  await promote(db, { ...NEUTRAL_HAPPY, version: 1, expectedVersion: null, actor });
  const outcomes = await Promise.allSettled(
    Array.from({ length: 20 }, (_, i) => promote(db, { ...NEUTRAL_HAPPY, version: i + 2, expectedVersion: 1, actor: `operator-${i + 2}` })),
  );
  const winners = outcomes.filter((o) => o.status === 'fulfilled');
  const losers = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
  assert.equal(winners.length, 1);
  assert.equal(losers.length, 19);
  for (const loser of losers) {
    assert.ok(loser.reason instanceof ConflictError, String(loser.reason));
    assert.match(loser.reason.message, /stale promote of neutral->happy: expected champion v1, but it is v\d+; nothing changed/);
  }
  const winner = winners[0]!.value;
  assert.equal((await getChampion(db, NEUTRAL_HAPPY))!.version, winner.toVersion);
  const events = await history(db, NEUTRAL_HAPPY);
  assert.deepEqual(
    events.map((e) => [e.action, e.fromVersion, e.toVersion, e.actor]),
    [
      ['promote', null, 1, actor],
      ['promote', 1, winner.toVersion, `operator-${winner.toVersion}`],
    ],
  );
});

dbTest('20 concurrent first promotes (expecting no champion) also leave one winner', async ({ db }) => {
  await registerAccepted(db, NEUTRAL_HAPPY, 20);
  const outcomes = await Promise.allSettled(
    Array.from({ length: 20 }, (_, i) => promote(db, { ...NEUTRAL_HAPPY, version: i + 1, expectedVersion: null, actor })),
  );
  assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
  assert.ok(outcomes.every((o) => o.status === 'fulfilled' || o.reason instanceof ConflictError));
  const events = await history(db, NEUTRAL_HAPPY);
  assert.equal(events.length, 1);
  assert.equal((await getChampion(db, NEUTRAL_HAPPY))!.version, events[0]!.toVersion);
});

dbTest('a stale promote fails with a conflict and changes nothing', async ({ db }) => {
  await registerAccepted(db, NEUTRAL_HAPPY, 3);
  await promote(db, { ...NEUTRAL_HAPPY, version: 1, expectedVersion: null, actor });
  await promote(db, { ...NEUTRAL_HAPPY, version: 2, expectedVersion: 1, actor });
  const before = await history(db, NEUTRAL_HAPPY);
  await assert.rejects(promote(db, { ...NEUTRAL_HAPPY, version: 3, expectedVersion: 1, actor }), /expected champion v1, but it is v2/);
  await assert.rejects(promote(db, { ...NEUTRAL_HAPPY, version: 3, expectedVersion: null, actor }), /expected champion none, but it is v2/);
  assert.equal((await getChampion(db, NEUTRAL_HAPPY))!.version, 2);
  assert.deepEqual(await history(db, NEUTRAL_HAPPY), before);
});

dbTest('only accepted versions become champion unless forced, and the force is recorded', async ({ db }) => {
  const [candidate, rejected] = await Promise.all([
    registerModelVersion(db, { ...NEUTRAL_HAPPY, artifacts: [{ kind: 'onnx', bytes: onnxBytes(1) }] }),
    registerModelVersion(db, { ...NEUTRAL_SAD, status: 'rejected', artifacts: [{ kind: 'onnx', bytes: onnxBytes(2) }] }),
  ]);
  await assert.rejects(promote(db, { ...NEUTRAL_HAPPY, version: candidate.version, expectedVersion: null, actor }), (error: unknown) => {
    assert.ok(error instanceof ValidationError);
    assert.match(error.message, /neutral->happy v1 is candidate; only accepted versions become champion unless forced/);
    return true;
  });
  await assert.rejects(promote(db, { ...NEUTRAL_SAD, version: rejected.version, expectedVersion: null, actor }), /is rejected/);
  await assert.rejects(
    promote(db, { ...NEUTRAL_HAPPY, version: candidate.version, expectedVersion: null, actor, force: { reason: '  ' } }),
    /forced promote needs a non-empty reason/,
  );
  assert.equal(await getChampion(db, NEUTRAL_HAPPY), undefined);
  const event = await promote(db, { ...NEUTRAL_HAPPY, version: candidate.version, expectedVersion: null, actor, force: { reason: 'hotfix while validation is down' } });
  assert.equal(event.forced, true);
  assert.equal(event.reason, 'hotfix while validation is down');
  assert.deepEqual((await history(db, NEUTRAL_HAPPY)).map((e) => [e.forced, e.reason]), [[true, 'hotfix while validation is down']]);
  await assert.rejects(promote(db, { ...NEUTRAL_HAPPY, version: 7, expectedVersion: 1, actor }), NotFoundError);
});

dbTest('rollback walks back through earlier champions and is audited', async ({ db }) => {
  await registerAccepted(db, NEUTRAL_HAPPY, 3);
  await assert.rejects(rollback(db, { ...NEUTRAL_HAPPY, actor }), NotFoundError);
  assert.deepEqual(await previewRollback(db, NEUTRAL_HAPPY), { fromVersion: null, toVersion: null, blocker: 'neutral->happy has no champion to roll back' });
  await promote(db, { ...NEUTRAL_HAPPY, version: 1, expectedVersion: null, actor });
  await assert.rejects(rollback(db, { ...NEUTRAL_HAPPY, actor }), /v1 has no earlier champion/);
  assert.deepEqual(await previewRollback(db, NEUTRAL_HAPPY), { fromVersion: 1, toVersion: null, blocker: 'neutral->happy v1 has no earlier champion to roll back to' });
  await promote(db, { ...NEUTRAL_HAPPY, version: 2, expectedVersion: 1, actor });
  await promote(db, { ...NEUTRAL_HAPPY, version: 3, expectedVersion: 2, actor });
  const eventsBefore = await history(db, NEUTRAL_HAPPY);
  assert.deepEqual(await previewRollback(db, NEUTRAL_HAPPY), { fromVersion: 3, toVersion: 2, blocker: null });
  assert.deepEqual(await history(db, NEUTRAL_HAPPY), eventsBefore, 'a preview moves nothing');

  const back = await rollback(db, { ...NEUTRAL_HAPPY, actor: 'oncall', reason: 'v3 blurs eyes' });
  assert.deepEqual([back.action, back.fromVersion, back.toVersion, back.reason], ['rollback', 3, 2, 'v3 blurs eyes']);
  assert.equal((await getChampion(db, NEUTRAL_HAPPY))!.version, 2);
  const again = await rollback(db, { ...NEUTRAL_HAPPY, actor: 'oncall' });
  assert.deepEqual([again.fromVersion, again.toVersion], [2, 1], 'a second rollback goes further back, not back to v3');
  await assert.rejects(rollback(db, { ...NEUTRAL_HAPPY, actor }), /no earlier champion/);
  assert.deepEqual(
    (await history(db, NEUTRAL_HAPPY)).map((e) => `${e.action} ${e.fromVersion}->${e.toVersion}`),
    ['promote null->1', 'promote 1->2', 'promote 2->3', 'rollback 3->2', 'rollback 2->1'],
  );
  assert.deepEqual((await getChampions(db)).map((c) => [c.source, c.target, c.version]), [['neutral', 'happy', 1]]);
});

test('the rollback target reads the audit log as a stack', () => {
  const log = (...moves: [string, number][]) => moves.map(([action, toVersion]) => ({ action: action as 'promote' | 'rollback', toVersion }));
  assert.equal(rollbackTarget([]), undefined);
  assert.equal(rollbackTarget(log(['promote', 1])), undefined);
  assert.equal(rollbackTarget(log(['promote', 1], ['promote', 4], ['promote', 2])), 4);
  assert.equal(rollbackTarget(log(['promote', 1], ['promote', 4], ['promote', 2], ['rollback', 4])), 1);
  assert.equal(rollbackTarget(log(['promote', 1], ['promote', 4], ['rollback', 1], ['promote', 5])), 1);
});

dbTest('the champion cannot be archived, and archived versions cannot come back', async ({ db }) => {
  await registerAccepted(db, NEUTRAL_HAPPY, 2);
  await promote(db, { ...NEUTRAL_HAPPY, version: 1, expectedVersion: null, actor });
  await assert.rejects(archive(db, { ...NEUTRAL_HAPPY, version: 1 }), (error: unknown) => {
    assert.ok(error instanceof ConflictError);
    assert.match(error.message, /neutral->happy v1 is the champion of neutral->happy; promote another version \(or roll back\) before archiving it/);
    return true;
  });
  assert.equal((await getModelVersion(db, { ...NEUTRAL_HAPPY, version: 1 })).status, 'accepted', 'the refused archive changed nothing');

  await promote(db, { ...NEUTRAL_HAPPY, version: 2, expectedVersion: 1, actor });
  const archived = await archive(db, { ...NEUTRAL_HAPPY, version: 1 });
  assert.equal(archived.status, 'archived');
  await assert.rejects(archive(db, { ...NEUTRAL_HAPPY, version: 1 }), /already archived/);
  await assert.rejects(archive(db, { ...NEUTRAL_HAPPY, version: 9 }), NotFoundError);
  await assert.rejects(rollback(db, { ...NEUTRAL_HAPPY, actor }), /v1 is archived and cannot become champion/);
  await assert.rejects(promote(db, { ...NEUTRAL_HAPPY, version: 1, expectedVersion: 2, actor, force: { reason: 'x' } }), /archived/);
  assert.equal((await getChampion(db, NEUTRAL_HAPPY))!.version, 2);
});

dbTest('the audit log is append-only', async (handle) => {
  await registerAccepted(handle.db, NEUTRAL_HAPPY, 1);
  await promote(handle.db, { ...NEUTRAL_HAPPY, version: 1, expectedVersion: null, actor });
  await assert.rejects(rawQuery(handle, `update alias_events set actor = 'someone else'`), /alias_events is append-only/);
  await assert.rejects(rawQuery(handle, 'delete from alias_events'), /append-only/);
  await assert.rejects(rawQuery(handle, 'truncate alias_events'), /append-only/);
  assert.equal((await history(handle.db, NEUTRAL_HAPPY))[0]!.actor, actor);
});
