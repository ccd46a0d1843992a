import { randomUUID } from 'node:crypto';
import type { FacePipeline } from '../../core/faces/pipeline.js';
import { type UploadFaces, readUploadFaces } from '../../core/faces/upload.js';
import { FACE_PIXELS, encodeFace, fromUnitRange, toUnitRange } from '../../core/image-codec.js';
import type { Database } from '../../db/client.js';
import { IntegrityError, NotFoundError } from '../../db/errors.js';
import { type ClaimedItem, type ItemOutput, type JobFaceBox, deleteAbandonedJobs, deleteJobsFinishedBefore, finishItem, getJobSpec, claimItems, releaseItems } from '../../db/jobs.js';
import type { InferenceEngine, ServedModel } from '../inference/engine.js';
import type { Logger } from '../log.js';
import type { ServerMetrics } from '../metrics.js';
import { itemSeed, varyInput } from './augment.js';
import { entryBaseName } from './uploads.js';

export interface WorkerSettings {
  maxBatch: number;
  /** Finished jobs older than this are deleted (0: never). */
  jobRetentionMs: number;
  maxImagePixels: number;
  jobClaimSize: number;
  jobLeaseMs: number;
  jobPollMs: number;
}

type JobSpec = Awaited<ReturnType<typeof getJobSpec>>;

const MAX_CACHED_SPECS = 256;

/** How often a worker looks for expired and abandoned jobs, at most (a tenth of the retention when that is shorter). */
const MAX_SWEEP_INTERVAL_MS = 10 * 60_000;

const EXTENSIONS = { png: 'png', jpeg: 'jpg', webp: 'webp' } as const;

/**
 * `<target>/<input index>-<input stem>-<copy>.<ext>`, and `-f<face>` before the copy where a job
 * translates every face of a photo: unique per output, recognisable, and tar-safe.
 */
export function outputName(item: Pick<ClaimedItem, 'inputIdx' | 'inputName' | 'target' | 'copy'>, format: JobSpec['format'], face?: number): string {
  const stem = entryBaseName(item.inputName).replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 48) || 'image';
  const faceTag = face === undefined ? '' : `-f${face}`;
  return `${item.target}/${String(item.inputIdx).padStart(5, '0')}-${stem}${faceTag}-${item.copy}.${EXTENSIONS[format]}`;
}

/** The 48x48 faces an input gives, each with where it was found (none where no detection ran). */
function facesOf(upload: UploadFaces): Array<{ pixels: Uint8Array; box?: JobFaceBox }> {
  if (upload.kind === 'face') return [{ pixels: upload.pixels }];
  return upload.faces.map(({ pixels, box, score }) => ({ pixels, box: { ...box, score } }));
}

/**
 * Produces bulk job outputs: claims items from the database, translates them in batches with the
 * model each job was pinned to, and records each result under its claim. Any number of workers
 * (in servers or `faceaug worker` processes) can share the queue.
 */
export class JobWorker {
  private stopping = false;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly specs = new Map<string, JobSpec>();

  constructor(
    private readonly db: Database,
    private readonly engine: InferenceEngine,
    /** Finds the faces in jobs' photos; its owner closes it. */
    private readonly faces: FacePipeline,
    private readonly settings: WorkerSettings,
    private readonly metrics: ServerMetrics,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.running ??= this.loop();
  }

  /** Finishes the batch in hand, hands every other claimed item back, and stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
  }

  private async loop(): Promise<void> {
    let nextSweep = 0;
    while (!this.stopping) {
      if (Date.now() >= nextSweep) {
        nextSweep = Date.now() + Math.min(MAX_SWEEP_INTERVAL_MS, this.settings.jobRetentionMs / 10 || MAX_SWEEP_INTERVAL_MS);
        await this.sweep();
      }
      const token = randomUUID();
      let claimed: ClaimedItem[] = [];
      try {
        claimed = await claimItems(this.db, { token, limit: this.settings.jobClaimSize, leaseMs: this.settings.jobLeaseMs });
        if (claimed.length > 0) await this.process(token, claimed);
      } catch (error) {
        this.log.error('job worker step failed; its claims are released', { error });
        await releaseItems(this.db, token).catch(() => undefined);
      }
      if (claimed.length === 0) await this.sleep(this.settings.jobPollMs);
    }
  }

  /**
   * Every worker sweeps now and then; deleting the same jobs twice is harmless. Retention deletes
   * finished jobs; abandoned submissions (a server that died storing one) are deleted whatever the
   * retention, since nobody can see or finish them.
   */
  private async sweep(): Promise<void> {
    try {
      const abandoned = await deleteAbandonedJobs(this.db);
      if (abandoned > 0) this.log.warn('abandoned job submissions deleted', { jobs: abandoned });
      if (this.settings.jobRetentionMs > 0) {
        const deleted = await deleteJobsFinishedBefore(this.db, new Date(Date.now() - this.settings.jobRetentionMs));
        if (deleted > 0) this.log.info('expired jobs deleted', { jobs: deleted, retentionMs: this.settings.jobRetentionMs });
      }
    } catch (error) {
      this.log.warn('deleting expired or abandoned jobs failed; the next sweep retries', { error });
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async process(token: string, items: ClaimedItem[]): Promise<void> {
    const groups = new Map<string, ClaimedItem[]>();
    for (const item of items) {
      const key = `${item.jobId}/${item.target}`;
      groups.set(key, [...(groups.get(key) ?? []), item]);
    }
    const unfinished = new Set(items.map((item) => item.id));
    for (const group of groups.values()) {
      for (let start = 0; start < group.length && !this.stopping; start += this.settings.maxBatch) {
        const chunk = group.slice(start, start + this.settings.maxBatch);
        await this.translateChunk(token, chunk);
        for (const item of chunk) unfinished.delete(item.id);
      }
    }
    if (unfinished.size > 0) await releaseItems(this.db, token, [...unfinished]);
  }

  private async spec(jobId: string): Promise<JobSpec> {
    let spec = this.specs.get(jobId);
    if (!spec) {
      // Specs never change, so the cache only needs a bound, not invalidation.
      if (this.specs.size >= MAX_CACHED_SPECS) this.specs.clear();
      this.specs.set(jobId, (spec = await getJobSpec(this.db, jobId)));
    }
    return spec;
  }

  private async translateChunk(token: string, chunk: ClaimedItem[]): Promise<void> {
    const first = chunk[0]!;
    const spec = await this.spec(first.jobId);
    const pinned = spec.models[first.target]!;
    let started = false;
    try {
      await this.engine.withModel(
        { source: spec.source, target: first.target },
        pinned.version,
        async (served) => {
          if (served.sha256 !== pinned.sha256) throw new IntegrityError(`model ${first.target} v${pinned.version} is ${served.sha256}, the job was pinned to ${pinned.sha256}`);
          started = true;
          await this.translateWith(served, token, chunk, spec);
        },
        { archived: 'serve' },
      );
    } catch (error) {
      // A missing or corrupt model will not heal by retrying; anything else (a database hiccup) may.
      if (started || !(error instanceof NotFoundError || error instanceof IntegrityError)) throw error;
      for (const item of chunk) await this.finish(token, item, { ok: false, error: (error as Error).message });
    }
  }

  private async translateWith(served: ServedModel, token: string, chunk: ClaimedItem[], spec: JobSpec): Promise<void> {
    // The copies of one input usually share a chunk: its faces are searched for once.
    const uploads = new Map<string, Promise<UploadFaces>>();
    const decoded: Array<{ item: ClaimedItem; faces: Array<{ pixels: Uint8Array; box?: JobFaceBox }> }> = [];
    for (const item of chunk) {
      try {
        let upload = uploads.get(item.inputSha256);
        if (!upload) uploads.set(item.inputSha256, (upload = readUploadFaces(this.faces, item.input, spec.faces, { maxPixels: this.settings.maxImagePixels })));
        const seed = itemSeed(spec.seed, item.inputSha256, item.target, item.copy);
        decoded.push({ item, faces: facesOf(await upload).map(({ pixels, box }) => ({ pixels: varyInput(pixels, item.copy, seed), box })) });
      } catch (error) {
        await this.finish(token, item, { ok: false, error: `${item.inputName}: ${(error as Error).message}` });
      }
    }
    const crops = decoded.flatMap(({ faces }) => faces);
    const images: Buffer[] = [];
    for (let start = 0; start < crops.length; start += this.settings.maxBatch) {
      const part = crops.slice(start, start + this.settings.maxBatch);
      const batch = new Float32Array(part.length * FACE_PIXELS);
      part.forEach(({ pixels }, i) => toUnitRange(pixels, batch, i * FACE_PIXELS));
      const output = await this.engine.runBatch(served, batch, part.length);
      for (let i = 0; i < part.length; i++) images.push(await encodeFace(fromUnitRange(output, i * FACE_PIXELS), { format: spec.format, size: spec.size }));
    }
    let next = 0;
    for (const { item, faces } of decoded) {
      const outputs: ItemOutput[] = faces.map(({ box }, face) => ({
        name: outputName(item, spec.format, spec.faces === 'all' ? face : undefined),
        output: images[next + face]!,
        ...(box ? { box } : {}),
      }));
      next += faces.length;
      const [own, ...moreFaces] = outputs;
      await this.finish(token, item, { ok: true, ...own!, moreFaces });
    }
  }

  private async finish(token: string, item: ClaimedItem, outcome: Parameters<typeof finishItem>[3]): Promise<void> {
    const recorded = await finishItem(this.db, item, token, outcome);
    this.metrics.jobItems.inc({ outcome: !recorded ? 'superseded' : outcome.ok ? 'done' : 'failed' });
    if (!recorded) this.log.warn('job item was taken over by another worker after this one\'s lease ran out; result dropped', { item: item.id, job: item.jobId });
  }
}
