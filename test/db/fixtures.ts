import { readFileSync } from 'node:fs';
import type { Database } from '../../db/client.js';
import { type ModelVersion, registerModelVersion } from '../../db/registry.js';
import type { Translator } from '../../db/translators.js';

export const NEUTRAL_HAPPY: Translator = { source: 'neutral', target: 'happy' };
export const NEUTRAL_SAD: Translator = { source: 'neutral', target: 'sad' };

/** Distinct, recognisable artifact bytes for version `n` of a test translator. */
export function onnxBytes(n: number): Buffer {
  return Buffer.from(`onnx model ${n} `.repeat(64));
}

export async function registerAccepted(db: Database, translator: Translator, count: number): Promise<ModelVersion[]> {
  const versions: ModelVersion[] = [];
  for (let i = 0; i < count; i++) {
    versions.push(await registerModelVersion(db, { ...translator, status: 'accepted', artifacts: [{ kind: 'onnx', bytes: onnxBytes(i) }] }));
  }
  return versions;
}

/** How many migrations the repository ships (drizzle-kit's journal lists each once). */
export const MIGRATION_COUNT = (
  JSON.parse(readFileSync(new URL('../../migrations/meta/_journal.json', import.meta.url), 'utf8')) as { entries: unknown[] }
).entries.length;
