import { randomUUID } from 'node:crypto';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import type { Database } from '../../db/client.js';
import { type ClaimedFoldTask, claimFoldTask, finishFoldTask, getQueuedValidation, releaseFoldTask, renewFoldLease } from '../../db/fold-queue.js';
import { openRegistry } from '../../db/open-registry.js';
import type { ClassifierSettings } from '../classifier/options.js';
import { listManifests } from '../data/dataset-store.js';
import { WorkerPool } from '../parallel/worker-pool.js';
import { threadsPerWorker, workerCount } from '../parallel/worker-count.js';
import { ARM_TASK, type ArmContext, armKey } from './fold-arms.js';
import type { ArmJob, ArmOutcome } from './fold-task.js';

export interface FoldWorkerSettings {
  /** Where this machine's imported data sets are, and its cache of synthetic sets. */
  dataDir: string;
  /** Arms trained at once, each on a thread of its own (default FACEAUG_WORKERS, or one per core). */
  workers?: number;
  backend?: string;
  /** How long a claim lasts unless renewed; it is renewed every third of it while the arm trains. */
  leaseMs: number;
  maxAttempts: number;
  /** How often an idle slot looks for a task. */
  pollMs: number;
}

/** What the worker reports (server/log.ts's logger fits). */
export interface FoldWorkerLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Recorded on every task this process claims, so an operator can tell which machine tried what. */
const WORKER_NAME = `${hostname()}:${process.pid}`;

const exists = (path: string) => stat(path).then(() => true, () => false);

/**
 * Trains validation fold arms from the Postgres fold queue (db/fold-queue.ts), beside any number
 * of workers on other machines. Each slot claims one task at a time, only of a data set this
 * machine has imported, trains it on a thread of its own while renewing the claim's lease, and
 * records the result under the claim. A worker killed mid-arm loses that arm only: its lease
 * runs out and another worker trains it again. An error is recorded and the task retried (on
 * any worker) until its attempts run out; a stopping worker hands its tasks back.
 */
export class FoldWorker {
  private stopping = false;
  private readonly slots: Promise<void>[] = [];
  private readonly wakers = new Set<() => void>();
  private readonly pools = new Set<WorkerPool<ArmJob, ArmOutcome>>();
  private readonly contexts = new Map<string, Promise<ArmContext>>();

  constructor(
    private readonly db: Database,
    private readonly settings: FoldWorkerSettings,
    private readonly log: FoldWorkerLog,
  ) {}

  start(): void {
    const slots = workerCount(this.settings.workers);
    for (let i = 0; i < slots; i++) this.slots.push(this.slot(threadsPerWorker(slots)));
  }

  /** Stops the arms in training (at their next kernel call), hands their tasks back, and waits for every slot to end. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const wake of this.wakers) wake();
    await Promise.all([...this.pools].map((pool) => pool.close()));
    await Promise.all(this.slots);
  }

  /** Its thread starts with the first task, so a worker that never sees a fold never loads TensorFlow.js. */
  private async slot(threads: number): Promise<void> {
    let pool: WorkerPool<ArmJob, ArmOutcome> | undefined;
    while (!this.stopping) {
      const token = randomUUID();
      const task = await this.claim(token);
      if (!task) {
        await this.sleep(this.settings.pollMs);
        continue;
      }
      if (this.stopping) {
        await this.giveUp(task, token, { task: task.id }, undefined);
        break;
      }
      if (!pool?.open) {
        // A thread that died took its arm with it (recorded as a failed attempt); the next arm gets a fresh one.
        if (pool) await this.retire(pool);
        pool = new WorkerPool<ArmJob, ArmOutcome>(ARM_TASK, { workers: 1, backend: this.settings.backend, threads });
        this.pools.add(pool);
      }
      await this.train(pool, task, token);
    }
    if (pool) await this.retire(pool);
  }

  private async retire(pool: WorkerPool<ArmJob, ArmOutcome>): Promise<void> {
    this.pools.delete(pool);
    await pool.close();
  }

  private async claim(token: string): Promise<ClaimedFoldTask | undefined> {
    try {
      const datasetIds = (await listManifests(this.settings.dataDir)).map((manifest) => manifest.id);
      const { leaseMs, maxAttempts } = this.settings;
      return await claimFoldTask(this.db, { token, leaseMs, maxAttempts, datasetIds, worker: WORKER_NAME });
    } catch (error) {
      this.log.warn('looking for fold tasks failed; trying again', { error });
      return undefined;
    }
  }

  private async train(pool: WorkerPool<ArmJob, ArmOutcome>, task: ClaimedFoldTask, token: string): Promise<void> {
    const fields = { task: task.id, validation: task.validationId, arm: armKey(task), attempt: task.attempts };
    this.log.info('fold task claimed', fields);
    const started = performance.now();
    const heartbeat = setInterval(() => void this.renew(task, token, fields), this.settings.leaseMs / 3);
    let outcome: ArmOutcome;
    try {
      outcome = await pool.run(await this.armJob(task));
    } catch (error) {
      clearInterval(heartbeat);
      await this.giveUp(task, token, fields, error);
      return;
    }
    clearInterval(heartbeat);
    try {
      const recorded = await finishFoldTask(this.db, task.id, token, { ok: true, result: { ...outcome } }, this.settings.maxAttempts);
      if (recorded) this.log.info('fold task done', { ...fields, seconds: Math.round((performance.now() - started) / 100) / 10 });
      else this.log.warn("fold task was taken over by another worker after this one's lease ran out; result dropped", fields);
    } catch (error) {
      this.log.error('recording a fold result failed; another worker trains the arm again once the lease runs out', { ...fields, error });
    }
  }

  /** A stopping worker hands the task back; any other failure is an attempt, retried until the task's attempts run out. */
  private async giveUp(task: ClaimedFoldTask, token: string, fields: Record<string, unknown>, error: unknown): Promise<void> {
    try {
      if (this.stopping) {
        await releaseFoldTask(this.db, task.id, token);
        this.log.info('fold task handed back', fields);
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      this.log.error('fold task failed', { ...fields, error: message });
      await finishFoldTask(this.db, task.id, token, { ok: false, error: `${WORKER_NAME}: ${message}` }, this.settings.maxAttempts);
    } catch (recording) {
      this.log.warn('could not record the fold task\'s end; its lease runs out instead', { ...fields, error: recording });
    }
  }

  private async renew(task: ClaimedFoldTask, token: string, fields: Record<string, unknown>): Promise<void> {
    try {
      if (!(await renewFoldLease(this.db, task.id, token, this.settings.leaseMs))) {
        this.log.warn('fold task lease lost (it ran out and another worker took the task); this result will be dropped', fields);
      }
    } catch (error) {
      this.log.warn('renewing a fold task lease failed; trying again', { ...fields, error });
    }
  }

  private async armJob(task: ClaimedFoldTask): Promise<ArmJob> {
    const context = await this.context(task.validationId);
    return { repeat: task.repeat, fold: task.fold, seed: task.seed, train: Array.from(task.train), heldOut: Array.from(task.heldOut), arm: task.arm, ...context };
  }

  /** A validation's shared inputs, read once per process; its synthetic images go to a file for the arm threads, like a local validation's. */
  private context(validationId: string): Promise<ArmContext> {
    let context = this.contexts.get(validationId);
    if (!context) {
      context = (async () => {
        const validation = await getQueuedValidation(this.db, validationId);
        const syntheticFile = join(this.settings.dataDir, 'cache', 'fold-queue', `${validationId}-${validation.specSha256.slice(0, 12)}.u8`);
        if (!(await exists(syntheticFile))) {
          await mkdir(dirname(syntheticFile), { recursive: true });
          await writeFile(`${syntheticFile}.${process.pid}.tmp`, validation.synthetic);
          await rename(`${syntheticFile}.${process.pid}.tmp`, syntheticFile);
        }
        return {
          dataDir: this.settings.dataDir,
          datasetId: validation.datasetId,
          syntheticFile,
          targetLabel: validation.targetLabel,
          test: Array.from(validation.test),
          classifier: validation.classifier as unknown as ClassifierSettings,
        };
      })();
      this.contexts.set(validationId, context);
      // A failed read is tried again by the next task, not cached.
      context.catch(() => this.contexts.delete(validationId));
    }
    return context;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }
}

export interface RunningFoldWorker {
  close(): Promise<void>;
}

/** A {@link FoldWorker} on the registry `databaseUrl` names (default DATABASE_URL), until `close`. */
export async function startFoldWorker(options: { databaseUrl?: string | null; settings: FoldWorkerSettings; log: FoldWorkerLog }): Promise<RunningFoldWorker> {
  const handle = await openRegistry(options.settings.dataDir, options.databaseUrl);
  const worker = new FoldWorker(handle.db, options.settings, options.log);
  worker.start();
  const datasets = (await listManifests(options.settings.dataDir)).map((manifest) => manifest.id);
  options.log.info('fold worker started', { location: handle.location, slots: workerCount(options.settings.workers), datasets });
  return {
    close: async () => {
      await worker.stop();
      await handle.close();
      options.log.info('fold worker stopped');
    },
  };
}
