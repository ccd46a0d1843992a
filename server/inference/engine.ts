import type { Database } from '../../db/client.js';
import { ModelUnavailableError, NotFoundError } from '../../db/errors.js';
import { type ModelRef, formatRef, getChampions, listModelVersions } from '../../db/registry.js';
import { type Translator, formatTranslator } from '../../db/translators.js';
import type { Logger } from '../log.js';
import type { ServerMetrics } from '../metrics.js';
import { ArtifactCache } from './artifact-cache.js';
import { type BatchSettings, MicroBatcher, QueueBudget } from './batcher.js';
import { OnnxModel } from './onnx-model.js';

export interface EngineSettings extends BatchSettings {
  dataDir: string;
  maxQueue: number;
  inferThreads: number;
  inferProvider: string;
  championPollMs: number;
}

/** A model ready to serve, with the batcher that shares its session between requests. */
export interface ServedModel {
  ref: ModelRef;
  sha256: string;
  model: OnnxModel;
  batcher: MicroBatcher;
}

/** Versions asked for by number (not champions) stay loaded up to this many, least recently used first out. */
const MAX_PINNED = 4;

/** A champion that failed to load is tried again after this long, doubling up to the maximum: a corrupt artifact is not re-read every poll. */
const RETRY_FIRST_MS = 2_000;
const RETRY_MAX_MS = 5 * 60_000;

/** Why a translator's champion is not being served, and when to try it again. */
export interface ChampionFailure {
  version: number;
  reason: string;
  failures: number;
  retryAt: number;
}

/**
 * Owns the onnxruntime sessions of a process: the champion of every translator, kept current by
 * polling the registry (so a promote or rollback on any instance reaches every instance within
 * one poll), plus versions asked for explicitly.
 */
export class InferenceEngine {
  readonly budget: QueueBudget;
  private readonly cache: ArtifactCache;
  private readonly champions = new Map<string, ServedModel>();
  private readonly loaded = new Map<string, Promise<ServedModel>>();
  /** Requests between resolving a version and being done with its session, per formatRef key: never closed under them. */
  private readonly leases = new Map<string, number>();
  private poller: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private followUp: Promise<void> | undefined;
  /** Champions that failed to load, by translator: what readiness and requests report. */
  readonly failed = new Map<string, ChampionFailure>();
  /** Every champion loaded at the last look at the registry. */
  ready = false;

  constructor(
    private readonly db: Database,
    private readonly settings: EngineSettings,
    private readonly metrics: ServerMetrics,
    private readonly log: Logger,
  ) {
    this.budget = new QueueBudget(settings.maxQueue);
    this.cache = new ArtifactCache(settings.dataDir);
    metrics.gauge('faceaug_inference_queue_depth', 'images waiting for an onnxruntime call', () => this.budget.waiting);
    metrics.gauge('faceaug_models_loaded', 'onnxruntime sessions open', () => this.loaded.size);
  }

  /** Loads the champions, then keeps polling for changes every `championPollMs`. */
  async start(): Promise<void> {
    await this.refresh();
    this.poller = setInterval(() => void this.refresh(), this.settings.championPollMs);
    this.poller.unref();
  }

  /**
   * Looks at the champions table and swaps in any that changed; a failed load keeps the old
   * champion. A call made while a look is under way waits for it and then looks again (one more
   * look for all such callers), so a promote committed before the call is always seen.
   */
  refresh(): Promise<void> {
    if (!this.refreshing) {
      this.refreshing = this.refreshOnce().finally(() => (this.refreshing = undefined));
      return this.refreshing;
    }
    this.followUp ??= this.refreshing.then(() => {
      this.followUp = undefined;
      return this.refresh();
    });
    return this.followUp;
  }

  private async refreshOnce(): Promise<void> {
    let allLoaded = true;
    try {
      for (const champion of await getChampions(this.db)) {
        const key = formatTranslator(champion);
        const current = this.champions.get(key);
        if (current?.ref.version === champion.version) {
          this.failed.delete(key);
          continue;
        }
        const failure = this.failed.get(key);
        if (failure?.version === champion.version && Date.now() < failure.retryAt) {
          allLoaded = false;
          continue;
        }
        try {
          const served = await this.load({ source: champion.source, target: champion.target, version: champion.version });
          this.champions.set(key, served);
          this.failed.delete(key);
          this.log.info('champion loaded', { translator: key, version: champion.version, previous: current?.ref.version ?? null, sha256: served.sha256 });
          // The replaced champion stays loaded as a pinned version, so rolling back to it is instant.
          if (current) this.trimPinned();
        } catch (error) {
          allLoaded = false;
          const failures = failure?.version === champion.version ? failure.failures + 1 : 1;
          const reason = error instanceof Error ? error.message : String(error);
          this.failed.set(key, { version: champion.version, reason, failures, retryAt: Date.now() + Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (failures - 1)) });
          this.log.error('champion failed to load', { translator: key, version: champion.version, failures, error });
        }
      }
    } catch (error) {
      allLoaded = false;
      this.log.error('champion poll failed', { error });
    }
    this.ready = allLoaded;
  }

  /**
   * Runs `work` with the champion of a translator or a specific version of it (non-archived, as
   * resolve, unless `archived` is 'serve': a bulk job pinned to it), whose session stays open
   * until `work` settles, however many other versions are asked for meanwhile.
   */
  async withModel<T>(
    translator: Translator,
    version: number | undefined,
    work: (served: ServedModel) => Promise<T>,
    { archived = 'refuse' }: { archived?: 'refuse' | 'serve' } = {},
  ): Promise<T> {
    // The lease is taken before any await, so no trim can close the session in between.
    const key = formatRef(version === undefined ? (this.champions.get(formatTranslator(translator))?.ref ?? { ...translator, version: 0 }) : { ...translator, version });
    this.leases.set(key, (this.leases.get(key) ?? 0) + 1);
    try {
      const served = version === undefined || archived === 'refuse' ? this.resolve(translator, version) : this.load({ ...translator, version });
      return await work(await served);
    } finally {
      const left = this.leases.get(key)! - 1;
      if (left > 0) this.leases.set(key, left);
      else {
        this.leases.delete(key);
        this.trimPinned();
      }
    }
  }

  /** The champion of a translator, or a specific non-archived version of it; withModel keeps its session open while in use. */
  async resolve(translator: Translator, version?: number): Promise<ServedModel> {
    if (version === undefined) {
      const champion = this.champions.get(formatTranslator(translator));
      const failure = this.failed.get(formatTranslator(translator));
      // A newer champion that cannot load leaves the previous one serving; with none, say why.
      if (!champion && failure) throw new ModelUnavailableError(`${formatTranslator(translator)} v${failure.version} cannot be served: ${failure.reason}`);
      if (!champion) throw new NotFoundError(`${formatTranslator(translator)} has no champion to serve; ask for a version or promote one`);
      return champion;
    }
    return this.load({ ...translator, version }, { refuseArchived: true });
  }

  /** Loads (or reuses) the session of one version; the artifact comes from the local cache or the registry. */
  async load(ref: ModelRef, options: { refuseArchived?: boolean } = {}): Promise<ServedModel> {
    const key = formatRef(ref);
    if (options.refuseArchived) {
      const [info] = (await listModelVersions(this.db, { source: ref.source, target: ref.target })).filter((v) => v.version === ref.version);
      if (!info) throw new NotFoundError(`model version ${key} does not exist`);
      if (info.status === 'archived') throw new NotFoundError(`model version ${key} is archived and no longer served`);
    }
    let entry = this.loaded.get(key);
    if (!entry) {
      entry = this.open(ref);
      this.loaded.set(key, entry);
      entry.catch(() => this.loaded.delete(key));
      this.trimPinned();
    } else {
      // Map order is the LRU order.
      this.loaded.delete(key);
      this.loaded.set(key, entry);
    }
    return entry;
  }

  private async open(ref: ModelRef): Promise<ServedModel> {
    const [info] = (await listModelVersions(this.db, { source: ref.source, target: ref.target })).filter((v) => v.version === ref.version);
    if (!info) throw new NotFoundError(`model version ${formatRef(ref)} does not exist`);
    const sha256 = info.artifacts.find((a) => a.kind === 'onnx')!.sha256;
    const path = await this.cache.path(this.db, ref, sha256);
    const model = await OnnxModel.load(ref, sha256, path, this.settings.inferThreads, this.settings.inferProvider);
    const translator = formatTranslator(ref);
    const batcher = new MicroBatcher(model, this.settings, this.budget, (size, seconds) => this.observe(translator, size, seconds));
    return { ref, sha256, model, batcher };
  }

  /** Runs packed faces straight through a model, bypassing the request queue (bulk job workers). */
  async runBatch(served: ServedModel, batch: Float32Array, count: number): Promise<Float32Array> {
    const start = performance.now();
    const output = await served.model.run(batch, count);
    this.observe(formatTranslator(served.ref), count, (performance.now() - start) / 1000);
    return output;
  }

  private observe(translator: string, size: number, seconds: number): void {
    this.metrics.batchSize.observe(size);
    this.metrics.inferenceDuration.observe({ translator }, seconds);
  }

  /**
   * Closes the least recently used non-champion sessions beyond MAX_PINNED; one that is busy or
   * leased waits for a later trim (the next load, or the end of its last lease).
   */
  private trimPinned(): void {
    const champions = new Set([...this.champions.values()].map((c) => formatRef(c.ref)));
    const pinned = [...this.loaded.keys()].filter((key) => !champions.has(key));
    for (const key of pinned.slice(0, Math.max(0, pinned.length - MAX_PINNED))) {
      const entry = this.loaded.get(key)!;
      void entry
        .then((served) => {
          if (!served.batcher.idle || this.leases.has(key) || this.loaded.get(key) !== entry) return;
          this.loaded.delete(key);
          return served.model.close();
        })
        .catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.poller);
    await this.refreshing;
    const entries = [...this.loaded.values()];
    this.loaded.clear();
    this.champions.clear();
    await Promise.all(entries.map((entry) => entry.then((served) => served.model.close()).catch(() => undefined)));
  }
}
