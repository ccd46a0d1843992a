import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { EXPRESSIONS } from '../core/expressions.js';
import { createApiKey, listApiKeys } from '../db/api-keys.js';
import type { DatabaseHandle } from '../db/client.js';
import { type ArtifactInput, listModelVersions, promote, registerModelVersion } from '../db/registry.js';
import { formatTranslator } from '../db/translators.js';

/** `models/<source>-to-<target>/manifest.json`, as the trainer writes it for a shipped translator. */
const Manifest = z.object({
  source: z.enum(EXPRESSIONS),
  target: z.enum(EXPRESSIONS),
  status: z.enum(['accepted', 'rejected']),
  verdict: z.string().min(1),
  metrics: z.record(z.string(), z.unknown()),
  architecture: z.string(),
  onnxSha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/** Pictures a shipped translator may carry, stored as artifacts so the registry serves them with the version. */
const SHIPPED_IMAGES = { 'samples.png': 'sample-grid', 'losses.png': 'loss-plot', 'precision.png': 'precision-chart', 'auc.png': 'auc-chart' } as const;

export interface SeedResult {
  models: Array<{ translator: string; version: number; status: 'accepted' | 'rejected'; verdict: string; forced: boolean }>;
  /** The admin key, in plain text: shown once by the caller, never stored. */
  key: string;
}

export const SEED_ACTOR = 'faceaug first start';
const SEED_LOCK = 7_331_008;

/**
 * First start on an empty registry (no model versions, no API keys): registers every translator
 * shipped in `modelsDir` (its model card as the report, its pictures as artifacts), makes each
 * the champion of its translator, and creates an admin key. A translator that failed validation becomes champion
 * only through a forced promote whose audit reason quotes its verdict. Returns undefined when
 * the registry was not empty, so restarts and other instances change nothing.
 */
export async function seedOnFirstStart(handle: DatabaseHandle, modelsDir: string): Promise<SeedResult | undefined> {
  if (handle.kind === 'pglite') return seed(handle, modelsDir);
  // Several instances may start together against one empty Postgres; one seeds, the rest see it done.
  const client = await handle.pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [SEED_LOCK]);
    try {
      return await seed(handle, modelsDir);
    } finally {
      await client.query('select pg_advisory_unlock($1)', [SEED_LOCK]);
    }
  } finally {
    client.release();
  }
}

async function seed(handle: DatabaseHandle, modelsDir: string): Promise<SeedResult | undefined> {
  const db = handle.db;
  if ((await listModelVersions(db)).length > 0 || (await listApiKeys(db, { includeRevoked: true })).length > 0) return undefined;
  const models: SeedResult['models'] = [];
  for (const dir of shippedDirs(modelsDir)) {
    const path = join(modelsDir, dir);
    const manifest = Manifest.parse(JSON.parse(await readFile(join(path, 'manifest.json'), 'utf8')));
    if (dir !== `${manifest.source}-to-${manifest.target}`) throw new Error(`${path}: manifest.json describes ${formatTranslator(manifest)}`);
    const onnx = await readFile(join(path, 'model.onnx'));
    const sha256 = createHash('sha256').update(onnx).digest('hex');
    if (sha256 !== manifest.onnxSha256) throw new Error(`${path}/model.onnx has sha256 ${sha256}, its manifest says ${manifest.onnxSha256}`);
    const validation = JSON.parse(await readFile(join(path, 'validation.json'), 'utf8')) as unknown;
    const version = await registerModelVersion(db, {
      source: manifest.source,
      target: manifest.target,
      status: manifest.status,
      metrics: { ...manifest.metrics, verdict: manifest.verdict, architecture: manifest.architecture, validation, shipped: true },
      report: await readFile(join(path, 'model-card.md'), 'utf8'),
      artifacts: [{ kind: 'onnx', bytes: onnx }, ...(await shippedImages(path))],
    });
    const forced = manifest.status !== 'accepted';
    await promote(db, {
      source: version.source,
      target: version.target,
      version: version.version,
      expectedVersion: null,
      actor: SEED_ACTOR,
      reason: `shipped with faceaug; validation: ${manifest.verdict}`,
      force: forced ? { reason: `shipped although validation ${manifest.status} it: ${manifest.verdict}` } : undefined,
    });
    models.push({ translator: formatTranslator(version), version: version.version, status: manifest.status, verdict: manifest.verdict, forced });
  }
  const { plaintext } = await createApiKey(db, { name: 'admin (first start)', scopes: ['admin', 'translate'] });
  return { models, key: plaintext };
}

async function shippedImages(dir: string): Promise<ArtifactInput[]> {
  const present = Object.entries(SHIPPED_IMAGES).filter(([file]) => existsSync(join(dir, file)));
  return Promise.all(present.map(async ([file, kind]) => ({ kind, bytes: await readFile(join(dir, file)) })));
}

function shippedDirs(modelsDir: string): string[] {
  if (!existsSync(modelsDir)) return [];
  return readdirSync(modelsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(modelsDir, entry.name, 'manifest.json')))
    .map((entry) => entry.name)
    .sort();
}
