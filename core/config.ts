import { listOf, yesNo } from './parsers.js';

/**
 * Every setting that can come from the environment, in one place: its variable, default and help
 * text. CLI commands take their flag defaults from here, so a flag, a variable and a default are
 * one definition.
 */
export interface Setting<T> {
  env: string;
  description: string;
  default: T;
  parse: (raw: string) => T;
}

const text = (env: string, description: string, fallback: string): Setting<string> => ({
  env,
  description,
  default: fallback,
  parse: (raw) => raw,
});

const integer = (env: string, description: string, fallback: number, min = 0): Setting<number> => ({
  env,
  description,
  default: fallback,
  parse: (raw) => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) throw new RangeError(`${env} must be an integer >= ${min}, got '${raw}'`);
    return value;
  },
});

const flag = (env: string, description: string, fallback: boolean): Setting<boolean> => ({
  env,
  description,
  default: fallback,
  parse: yesNo(env),
});

const optionalText = (env: string, description: string): Setting<string | undefined> => ({
  env,
  description,
  default: undefined,
  parse: (raw) => raw || undefined,
});

const list = <T extends string>(env: string, description: string, values: readonly T[], fallback: readonly T[]): Setting<readonly T[]> => ({
  env,
  description,
  default: fallback,
  parse: listOf(env, values),
});

/** What a `faceaug worker` process can serve. */
export const WORKER_QUEUES = ['jobs', 'folds'] as const;
export type WorkerQueue = (typeof WORKER_QUEUES)[number];

export const settings = {
  backend: optionalText(
    'FACEAUG_BACKEND',
    'TensorFlow.js backend: tensorflow-gpu, tensorflow, wasm or cpu (default: the fastest that loads)',
  ),
  wasmConv: text(
    'FACEAUG_WASM_CONV',
    'who runs convolutions on the wasm backend: onnxruntime (native SIMD, a training step about three times as fast) or xnnpack (tfjs-wasm\'s own)',
    'onnxruntime',
  ),
  workers: integer('FACEAUG_WORKERS', 'worker threads for data-parallel training and job pools (0: one per core)', 0),
  dataDir: text('FACEAUG_DATA_DIR', 'directory of the embedded database, runs and caches', './data'),
  databaseUrl: optionalText('DATABASE_URL', 'Postgres connection string; unset: embedded PGlite in FACEAUG_DATA_DIR'),
  databaseConnectTimeoutMs: integer('FACEAUG_DATABASE_CONNECT_TIMEOUT_MS', 'longest a Postgres connection attempt may take, in ms (then the request gets 503)', 2_000, 1),
  databaseQueryTimeoutMs: integer('FACEAUG_DATABASE_QUERY_TIMEOUT_MS', 'longest one Postgres query may take, in ms (then it fails)', 60_000, 1),
  keyCacheMs: integer('FACEAUG_KEY_CACHE_MS', 'how long a verified API key is trusted before the database is asked again, in ms (also how late a revocation may bite)', 10_000, 0),
  keyStaleMs: integer(
    'FACEAUG_KEY_STALE_MS',
    'while the database is unavailable, keys verified within this many ms keep being accepted (0: none); requests with other keys get 503',
    600_000,
    0,
  ),
  port: integer('FACEAUG_PORT', 'HTTP port of the server', 8787, 1),
  host: text('FACEAUG_HOST', 'interface the HTTP server listens on', '0.0.0.0'),
  publicTranslate: flag(
    'FACEAUG_PUBLIC_TRANSLATE',
    'serve /v1/translate and /v1/jobs without an API key (default off: every request costs CPU, so an open port should not be free compute)',
    false,
  ),
  modelsDir: text('FACEAUG_MODELS_DIR', 'shipped translators (<source>-to-<target>/manifest.json) registered on first start', './models'),
  maxBatch: integer('FACEAUG_MAX_BATCH', 'most images one onnxruntime call takes (micro-batching)', 32, 1),
  maxWaitMs: integer('FACEAUG_MAX_WAIT_MS', 'longest a request waits for others to share its batch, in ms', 2),
  maxQueue: integer('FACEAUG_MAX_QUEUE', 'images waiting for inference before requests are shed with 503', 256, 1),
  maxInflightPerClient: integer('FACEAUG_MAX_INFLIGHT_PER_CLIENT', 'concurrent translate requests per API key (or address) before 429', 64, 1),
  requestTimeoutMs: integer('FACEAUG_REQUEST_TIMEOUT_MS', 'longest a translate request may wait for its image, in ms (then 504)', 10_000, 1),
  inferThreads: integer(
    'FACEAUG_INFER_THREADS',
    'onnxruntime intra-op threads per served model (0: every core but one, which stays with HTTP and image coding)',
    0,
  ),
  inferProvider: text(
    'FACEAUG_INFER_PROVIDER',
    "onnxruntime execution provider: cpu, or cuda on a GPU host whose onnxruntime-node has its CUDA files",
    'cpu',
  ),
  championPollMs: integer('FACEAUG_CHAMPION_POLL_MS', 'how often the server looks for promotes and rollbacks, in ms', 2000, 50),
  maxUploadBytes: integer('FACEAUG_MAX_UPLOAD_BYTES', 'largest translate upload, and largest image in a bulk job, in bytes (then 413)', 10 << 20, 1),
  maxImagePixels: integer('FACEAUG_MAX_IMAGE_PIXELS', 'largest decoded image in pixels (then 422)', 4096 * 4096, 1),
  detectorThreads: integer(
    'FACEAUG_DETECTOR_THREADS',
    'face detector threads for photos (each searches one photo at a time on one core; 0: one per core)',
    0,
  ),
  maxFaces: integer('FACEAUG_MAX_FACES', 'most faces translated in one photo with faces=all (the largest ones; each costs an inference)', 8, 1),
  maxJobBytes: integer('FACEAUG_MAX_JOB_BYTES', 'largest bulk-job upload in bytes (then 413)', 256 << 20, 1),
  maxJobImages: integer('FACEAUG_MAX_JOB_IMAGES', 'most images in one bulk job (then 413)', 10_000, 1),
  maxJobItems: integer('FACEAUG_MAX_JOB_ITEMS', 'most outputs (images x targets x copies, x FACEAUG_MAX_FACES with faces=all) in one bulk job (then 413)', 20_000, 1),
  maxJobItemsPerKey: integer('FACEAUG_MAX_JOB_ITEMS_PER_KEY', "most unfinished job outputs one API key may have queued (then 429)", 100_000, 1),
  maxConcurrentUploads: integer(
    'FACEAUG_MAX_CONCURRENT_UPLOADS',
    'bulk-job uploads one server receives and stores at once (then 503 with Retry-After)',
    4,
    1,
  ),
  jobRetentionMs: integer('FACEAUG_JOB_RETENTION_MS', "how long a finished job's inputs and outputs are kept before they are deleted, in ms (0: forever)", 7 * 24 * 3_600_000, 0),
  jobWorker: flag('FACEAUG_JOB_WORKER', 'process bulk jobs inside the server process (run `faceaug worker` for more)', true),
  jobClaimSize: integer('FACEAUG_JOB_CLAIM_SIZE', 'job items a worker claims at a time', 16, 1),
  jobLeaseMs: integer('FACEAUG_JOB_LEASE_MS', 'how long a claim lasts before another worker may take the item over, in ms', 60_000, 1),
  jobPollMs: integer('FACEAUG_JOB_POLL_MS', 'how often an idle worker looks for job items, in ms', 500, 10),
  workerQueues: list(
    'FACEAUG_WORKER_QUEUES',
    '`faceaug worker` serves: jobs (bulk translation items), folds (validation folds, Postgres only), or both (comma-separated)',
    WORKER_QUEUES,
    WORKER_QUEUES,
  ),
  foldLeaseMs: integer(
    'FACEAUG_FOLD_LEASE_MS',
    "how long a worker's claim on a validation fold lasts, in ms; renewed every third of it while the fold trains, so a killed worker's fold is taken over within this long",
    60_000,
    1,
  ),
  foldMaxAttempts: integer(
    'FACEAUG_FOLD_MAX_ATTEMPTS',
    'times a validation fold is tried (its worker killed, or its training failed) before it fails and the validation waiting for it stops with its error',
    3,
    1,
  ),
  foldPollMs: integer(
    'FACEAUG_FOLD_POLL_MS',
    'how often an idle worker looks for validation folds, and `faceaug validate --queue` for finished ones, in ms',
    2_000,
    10,
  ),
  receiveTimeoutMs: integer(
    'FACEAUG_RECEIVE_TIMEOUT_MS',
    'longest a client may take to send a whole request, upload included, in ms (then 408 and the connection closes)',
    120_000,
    1,
  ),
  shutdownGraceMs: integer('FACEAUG_SHUTDOWN_GRACE_MS', 'how long SIGTERM waits for in-flight requests and job items, in ms', 10_000),
} satisfies Record<string, Setting<unknown>>;

export type SettingName = keyof typeof settings;
type SettingValue<K extends SettingName> = (typeof settings)[K]['default'];

/** Reads a setting from the environment (or `env`), falling back to its documented default. */
export function readSetting<K extends SettingName>(name: K, env: NodeJS.ProcessEnv = process.env): SettingValue<K> {
  const setting = settings[name] as Setting<SettingValue<K>>;
  const raw = env[setting.env];
  return raw === undefined || raw === '' ? setting.default : setting.parse(raw);
}
