import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConflictError } from '../../db/errors.js';
import {
  type FoldTaskInput,
  type QueuedValidation,
  claimFoldTask,
  enqueueFolds,
  finishFoldTask,
  foldTaskResults,
  foldTaskStates,
  getQueuedValidation,
  releaseFoldTask,
  renewFoldLease,
} from '../../db/fold-queue.js';
import { dbTest } from './databases.js';

const TOKENS = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000003'] as const;

const validation = (overrides: Partial<QueuedValidation> = {}): QueuedValidation => ({
  id: 'v-test',
  datasetId: 'abcdef0123456789',
  dataVersion: 'duplicates-1',
  targetLabel: 1,
  classifier: { recipe: 'quick', width: 0.25, epochs: 1 },
  test: [7, 8, 9],
  synthetic: new Uint8Array([1, 2, 3, 4]),
  specSha256: 'a'.repeat(64),
  ...overrides,
});

const tasks: FoldTaskInput[] = [0, 1].flatMap((fold) =>
  (['baseline', 'augmented'] as const).map((arm) => ({ repeat: 0, fold, arm, seed: 10 + fold, train: [fold, 2, 3, 4], heldOut: [5 + fold] })),
);

const claimOptions = (token: string, overrides: Partial<Parameters<typeof claimFoldTask>[1]> = {}) => ({
  token,
  leaseMs: 60_000,
  maxAttempts: 2,
  datasetIds: ['abcdef0123456789'],
  worker: 'test:1',
  ...overrides,
});

dbTest('a queued validation is stored once, its tasks once each, and a different submission under its id is refused', async ({ db }) => {
  assert.deepEqual(await enqueueFolds(db, validation(), tasks), { added: 4, retried: 0 });
  assert.deepEqual(await enqueueFolds(db, validation(), [...tasks, { ...tasks[0]!, repeat: 1 }]), { added: 1, retried: 0 }, 'a second submission adds only the new repeat');
  await assert.rejects(
    enqueueFolds(db, validation({ specSha256: 'b'.repeat(64) }), tasks),
    (e: unknown) => e instanceof ConflictError && /v-test is already queued with other inputs/.test(e.message),
  );
  const stored = await getQueuedValidation(db, 'v-test');
  assert.deepEqual([Array.from(stored.test), [...stored.synthetic], stored.classifier], [[7, 8, 9], [1, 2, 3, 4], { recipe: 'quick', width: 0.25, epochs: 1 }]);
  assert.equal((await foldTaskStates(db, 'v-test')).length, 5);
});

dbTest('workers claim disjoint tasks of the data sets they have, and only a claim that holds records a result', async ({ db }) => {
  await enqueueFolds(db, validation(), tasks);
  assert.equal(await claimFoldTask(db, claimOptions(TOKENS[0], { datasetIds: ['another'] })), undefined, 'a worker without the data set takes nothing');
  const first = (await claimFoldTask(db, claimOptions(TOKENS[0])))!;
  const second = (await claimFoldTask(db, claimOptions(TOKENS[1])))!;
  assert.notEqual(first.id, second.id);
  assert.deepEqual([first.repeat, first.fold, first.arm, first.seed, Array.from(first.train), Array.from(first.heldOut), first.attempts], [0, 0, 'baseline', 10, [0, 2, 3, 4], [5], 1]);

  assert.equal(await finishFoldTask(db, first.id, TOKENS[1], { ok: true, result: { auc: 1 } }, 2), false, "another worker's token records nothing");
  assert.equal(await finishFoldTask(db, first.id, TOKENS[0], { ok: true, result: { auc: 0.75, missing: null } }, 2), true);
  assert.equal(await finishFoldTask(db, first.id, TOKENS[0], { ok: true, result: { auc: 0.5 } }, 2), false, 'a result is recorded once');
  assert.deepEqual(await foldTaskResults(db, [first.id, second.id]), [{ id: first.id, result: '{"auc": 0.75, "missing": null}' }], 'only finished tasks have results');

  // Handing a task back (a worker stopping) does not count as an attempt.
  assert.equal(await releaseFoldTask(db, second.id, TOKENS[1]), true);
  const again = (await claimFoldTask(db, claimOptions(TOKENS[2])))!;
  assert.deepEqual([again.id, again.attempts], [second.id, 1]);

  // Claims at the same moment (on Postgres, on separate connections) never share a task.
  const concurrent = await Promise.all(TOKENS.map((token) => claimFoldTask(db, claimOptions(token))));
  const ids = concurrent.filter((task) => task !== undefined).map((task) => task.id);
  assert.equal(ids.length, 2, 'the two tasks left are claimed, and nothing else');
  assert.equal(new Set(ids).size, 2);
});

dbTest('a lease that runs out is taken over, the late result refused, and attempts are limited', async ({ db }) => {
  await enqueueFolds(db, validation(), tasks.slice(0, 1));
  const dead = (await claimFoldTask(db, claimOptions(TOKENS[0], { leaseMs: 1 })))!;
  await sleep(20);
  const next = (await claimFoldTask(db, claimOptions(TOKENS[1], { leaseMs: 1 })))!;
  assert.deepEqual([next.id, next.attempts], [dead.id, 2], 'the task whose worker stopped renewing its lease is taken over');
  assert.equal(await renewFoldLease(db, dead.id, TOKENS[0], 60_000), false, 'the first worker has lost its claim');
  assert.equal(await finishFoldTask(db, dead.id, TOKENS[0], { ok: true, result: { late: true } }, 2), false, 'its late result is refused');

  // The second claim's lease runs out too, on the last allowed attempt: the next claim fails the task instead of retrying it.
  await sleep(20);
  assert.equal(await claimFoldTask(db, claimOptions(TOKENS[2])), undefined);
  const [failed] = await foldTaskStates(db, 'v-test');
  assert.deepEqual([failed!.status, failed!.attempts, failed!.worker], ['failed', 2, 'test:1']);
  assert.match(failed!.error!, /stopped renewing the lease/);

  // Submitting again gives it fresh attempts.
  assert.deepEqual(await enqueueFolds(db, validation(), tasks.slice(0, 1)), { added: 0, retried: 1 });
  assert.equal((await claimFoldTask(db, claimOptions(TOKENS[2])))?.attempts, 1);
});

dbTest('a failed attempt is retried until the task runs out of attempts, keeping the last error', async ({ db }) => {
  await enqueueFolds(db, validation(), tasks.slice(0, 1));
  const first = (await claimFoldTask(db, claimOptions(TOKENS[0])))!;
  assert.equal(await finishFoldTask(db, first.id, TOKENS[0], { ok: false, error: 'out of memory' }, 2), true);
  assert.deepEqual((await foldTaskStates(db, 'v-test')).map((t) => [t.status, t.attempts, t.error]), [['pending', 1, 'out of memory']]);
  const second = (await claimFoldTask(db, claimOptions(TOKENS[1])))!;
  assert.equal(await renewFoldLease(db, second.id, TOKENS[1], 60_000), true);
  assert.equal(await finishFoldTask(db, second.id, TOKENS[1], { ok: false, error: 'out of memory again' }, 2), true);
  assert.deepEqual((await foldTaskStates(db, 'v-test')).map((t) => [t.status, t.attempts, t.error]), [['failed', 2, 'out of memory again']]);
  assert.equal(await claimFoldTask(db, claimOptions(TOKENS[2])), undefined, 'a failed task is not claimed');
});
