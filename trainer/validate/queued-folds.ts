import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { readSetting } from '../../core/config.js';
import type { DatabaseHandle } from '../../db/client.js';
import { isDatabaseUnavailable } from '../../db/errors.js';
import { type FoldTaskState, enqueueFolds, foldTaskResults, foldTaskStates } from '../../db/fold-queue.js';
import { openRegistry } from '../../db/open-registry.js';
import { packInt32 } from '../../db/packed.js';
import { type ArmContext, armKey } from './fold-arms.js';
import { parseResult } from './fold-store.js';
import type { ArmJob, ArmOutcome } from './fold-task.js';

export interface QueueCounts {
  pending: number;
  running: number;
  done: number;
  failed: number;
}

export interface QueuedArmsInput {
  /** Where the registry is (DATABASE_URL, which must be Postgres). */
  dataDir: string;
  validationId: string;
  dataVersion: string;
  /** The pool the folds split: part of what a later submission of the same validation must match. */
  pool: readonly number[];
  /** The arms to train, all of one validation (see FoldAssembly). */
  jobs: readonly ArmJob[];
  pollMs: number;
  onQueued?: (queued: { validationId: string; datasetId: string; tasks: number; added: number; retried: number }) => void;
  /** Called at every poll with the counts of this submission's tasks. */
  onWaiting?: (counts: QueueCounts) => void;
  /** Called once per arm as it lands, in no particular order. */
  onArm: (outcome: ArmOutcome) => void;
}

/** sha256 of everything the fold tasks are computed from, so two submissions of one validation id can be compared. */
function specSha256(context: Pick<ArmContext, 'datasetId' | 'targetLabel' | 'classifier' | 'test'>, synthetic: Uint8Array, pool: readonly number[]): string {
  const { datasetId, targetLabel, classifier, test } = context;
  return createHash('sha256').update(JSON.stringify({ datasetId, targetLabel, classifier })).update(packInt32(test)).update(synthetic).update(packInt32(pool)).digest('hex');
}

/** Fails at once, before any work, when the fold queue cannot be reached: no Postgres registry, or none that answers. */
export async function checkQueue(dataDir: string): Promise<void> {
  await (await openQueue(dataDir)).close();
}

async function openQueue(dataDir: string): Promise<DatabaseHandle> {
  if (!readSetting('databaseUrl')) {
    throw new Error(
      '--queue needs a Postgres registry that the workers share (set DATABASE_URL): the embedded database admits one process at a time. ' +
        "Without --queue the folds run on this machine's threads.",
    );
  }
  return openRegistry(dataDir);
}

function failureMessage(validationId: string, failed: FoldTaskState[]): string {
  // The first line of each error here; the whole of it (a stack, from a worker thread) stays in fold_tasks.error.
  const lines = failed.map((task) => `  ${armKey(task)} (fold_tasks.id ${task.id}) after ${task.attempts} attempt(s), last on ${task.worker ?? 'no worker'}: ${task.error?.split('\n')[0] ?? 'no error recorded'}`);
  return `validation ${validationId}: ${failed.length} fold task(s) failed:\n${lines.join('\n')}\nFix the cause and run the same command again: it queues them for new attempts and keeps every finished fold.`;
}

/**
 * Puts a validation's arms in the Postgres fold queue and waits for `faceaug worker` processes (on
 * any machine) to train them, handing each result to `onArm` as it lands. Queueing is idempotent:
 * running the same validation again after an interruption queues nothing twice, picks up the arms
 * that landed meanwhile, and gives failed ones new attempts. A task that exhausts its attempts
 * stops the wait with its error.
 */
export async function runQueuedArms(input: QueuedArmsInput): Promise<void> {
  const [first] = input.jobs;
  if (!first) return;
  const { datasetId, targetLabel, classifier, test, syntheticFile } = first;
  const synthetic = new Uint8Array(await readFile(syntheticFile));
  const handle = await openQueue(input.dataDir);
  try {
    const tasks = input.jobs.map(({ repeat, fold, arm, seed, train, heldOut }) => ({ repeat, fold, arm, seed, train, heldOut }));
    const validation = {
      id: input.validationId,
      datasetId,
      dataVersion: input.dataVersion,
      targetLabel,
      classifier: { ...classifier },
      test,
      synthetic,
      specSha256: specSha256({ datasetId, targetLabel, classifier, test }, synthetic, input.pool),
    };
    const { added, retried } = await enqueueFolds(handle.db, validation, tasks);
    input.onQueued?.({ validationId: input.validationId, datasetId, tasks: tasks.length, added, retried });

    const wanted = new Set(input.jobs.map(armKey));
    const landed = new Set<string>();
    while (landed.size < wanted.size) {
      try {
        const states = (await foldTaskStates(handle.db, input.validationId)).filter((task) => wanted.has(armKey(task)));
        const fresh = states.filter((task) => task.status === 'done' && !landed.has(armKey(task)));
        const keys = new Map(fresh.map((task) => [task.id, armKey(task)]));
        for (const { id, result } of await foldTaskResults(handle.db, [...keys.keys()])) {
          landed.add(keys.get(id)!);
          input.onArm(parseResult<ArmOutcome>(result));
        }
        // After what landed, so that the folds it completes are saved before the wait stops.
        const failed = states.filter((task) => task.status === 'failed');
        if (failed.length > 0) throw new Error(failureMessage(input.validationId, failed));
        const counts: QueueCounts = { pending: 0, running: 0, done: 0, failed: 0 };
        for (const task of states) counts[task.status]++;
        input.onWaiting?.(counts);
      } catch (error) {
        // The workers go on without the database's answers to this process: wait for it to return.
        if (!isDatabaseUnavailable(error)) throw error;
      }
      if (landed.size < wanted.size) await sleep(input.pollMs);
    }
  } finally {
    await handle.close();
  }
}
