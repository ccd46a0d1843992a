import { readSetting } from '../core/config.js';

/** What a server (or worker) process runs with: the `core/config.ts` settings it reads. */
export interface ServerSettings {
  port: number;
  host: string;
  dataDir: string;
  modelsDir: string;
  publicTranslate: boolean;
  maxBatch: number;
  maxWaitMs: number;
  maxQueue: number;
  maxInflightPerClient: number;
  requestTimeoutMs: number;
  inferThreads: number;
  inferProvider: string;
  championPollMs: number;
  maxUploadBytes: number;
  maxImagePixels: number;
  maxFaces: number;
  detectorThreads: number;
  maxJobBytes: number;
  maxJobImages: number;
  maxJobItems: number;
  maxJobItemsPerKey: number;
  maxConcurrentUploads: number;
  jobRetentionMs: number;
  jobWorker: boolean;
  jobClaimSize: number;
  jobLeaseMs: number;
  jobPollMs: number;
  shutdownGraceMs: number;
  receiveTimeoutMs: number;
  keyCacheMs: number;
  keyStaleMs: number;
}

const NAMES = [
  'port',
  'host',
  'dataDir',
  'modelsDir',
  'publicTranslate',
  'maxBatch',
  'maxWaitMs',
  'maxQueue',
  'maxInflightPerClient',
  'requestTimeoutMs',
  'inferThreads',
  'inferProvider',
  'championPollMs',
  'maxUploadBytes',
  'maxImagePixels',
  'maxFaces',
  'detectorThreads',
  'maxJobBytes',
  'maxJobImages',
  'maxJobItems',
  'maxJobItemsPerKey',
  'maxConcurrentUploads',
  'jobRetentionMs',
  'jobWorker',
  'jobClaimSize',
  'jobLeaseMs',
  'jobPollMs',
  'shutdownGraceMs',
  'receiveTimeoutMs',
  'keyCacheMs',
  'keyStaleMs',
] as const satisfies ReadonlyArray<keyof ServerSettings>;

/** The environment's settings (defaults from core/config.ts), with explicit overrides (CLI flags, tests) on top. */
export function readServerSettings(overrides: Partial<ServerSettings> = {}, env: NodeJS.ProcessEnv = process.env): ServerSettings {
  const settings = Object.fromEntries(NAMES.map((name) => [name, readSetting(name, env)])) as unknown as ServerSettings;
  for (const [name, value] of Object.entries(overrides)) if (value !== undefined) (settings as unknown as Record<string, unknown>)[name] = value;
  return settings;
}
