import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase } from '../../db/client.js';
import { claimFoldTask, finishFoldTask } from '../../db/fold-queue.js';
import { migrate } from '../../db/migrate.js';
import { classifierSettings } from '../../trainer/classifier/options.js';
import type { ArmJob, ArmOutcome } from '../../trainer/validate/fold-task.js';
import { runQueuedArms } from '../../trainer/validate/queued-folds.js';
import { postgresTest, withDatabaseUrl } from '../helpers/postgres.js';

const MAX_ATTEMPTS = 2;

postgresTest(
  'an arm that fails on every attempt stops the waiting validation with its error, and submitting again retries it',
  async (url) => {
    const dir = await mkdtemp(join(tmpdir(), 'faceaug-queued-folds-'));
    const handle = await openDatabase({ url });
    try {
      await migrate(handle);
      const syntheticFile = join(dir, 'synthetic.u8');
      await writeFile(syntheticFile, new Uint8Array(2 * 2304).fill(7));
      const shared = { seed: 5, train: [0, 1, 2], heldOut: [3], dataDir: dir, datasetId: 'abcdef0123456789', syntheticFile, targetLabel: 1, test: [4, 5], classifier: classifierSettings({ recipe: 'quick' }) };
      const jobs: ArmJob[] = [
        { repeat: 0, fold: 0, arm: 'baseline', ...shared },
        { repeat: 0, fold: 0, arm: 'augmented', ...shared },
      ];
      const submit = (landed: ArmOutcome[]) =>
        withDatabaseUrl(url, () =>
          runQueuedArms({ dataDir: dir, validationId: 'v-failing', dataVersion: 'd', pool: [0, 1, 2, 3], jobs, pollMs: 20, onArm: (outcome) => landed.push(outcome) }),
        );

      /** A worker that trains nothing, until `submitted` settles: it records a result for the baseline and fails the augmented arm while `failing`. */
      const work = async (failing: boolean, submitted: Promise<void>) => {
        let settled = false;
        void submitted.then(() => (settled = true), () => (settled = true));
        for (let claims = 0; !settled; claims++) {
          const token = `00000000-0000-4000-8000-${String(claims).padStart(12, '0')}`;
          const task = await claimFoldTask(handle.db, { token, leaseMs: 60_000, maxAttempts: MAX_ATTEMPTS, datasetIds: ['abcdef0123456789'], worker: 'test:1' });
          if (!task) {
            await sleep(20);
            continue;
          }
          const outcome = failing && task.arm === 'augmented'
            ? { ok: false as const, error: 'Error: out of memory\n    at run (fold-task.ts:1:1)' }
            : { ok: true as const, result: { repeat: 0, fold: 0, arm: task.arm, synthetic: task.arm === 'augmented' ? 2 : 0, result: { auc: NaN, trainMs: 1 }, leakedTensors: 0 } };
          await finishFoldTask(handle.db, task.id, token, outcome, MAX_ATTEMPTS);
        }
      };

      const first: ArmOutcome[] = [];
      const failed = submit(first);
      const [waited] = await Promise.allSettled([failed, work(true, failed)]);
      assert.equal(waited.status, 'rejected');
      const message = (waited as PromiseRejectedResult).reason.message as string;
      assert.match(message, /validation v-failing: 1 fold task\(s\) failed:\n {2}0-0-augmented \(fold_tasks\.id \d+\) after 2 attempt\(s\), last on test:1: Error: out of memory\n/);
      assert.match(message, /run the same command again/);
      assert.doesNotMatch(message, /fold-task\.ts:1:1/, 'the stack stays in the database');
      assert.deepEqual(first.map((o) => o.arm), ['baseline'], 'what landed before the failure was handed over');
      assert.ok(Number.isNaN((first[0]!.result as unknown as { auc: number }).auc), 'a NaN metric comes back as NaN');

      const second: ArmOutcome[] = [];
      const retried = submit(second);
      await Promise.all([retried, work(false, retried)]);
      assert.deepEqual(second.map((o) => o.arm).sort(), ['augmented', 'baseline'], 'the failed arm was retried and landed');
    } finally {
      await handle.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
  { why: 'the fold queue lives in Postgres only' },
);
