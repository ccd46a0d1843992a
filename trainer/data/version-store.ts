import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClassCounts } from './class-table.js';
import { datasetDir, datasetsDir } from './dataset-store.js';

/** One filter step's outcome over a data set or over a parent version. */
export interface DatasetVersion {
  id: string;
  datasetId: string;
  parentId: string | null;
  method: string;
  params: Record<string, unknown>;
  /** Data set indices kept, ascending. */
  kept: number[];
  /** Data set indices the filter scored and their scores (higher is better); empty for rules without scores. */
  scored: number[];
  scores: number[];
  classCounts: ClassCounts;
  durationMs: number;
  createdAt: string;
  /** The version's id in the registry database, once registered. */
  registryId?: number;
}

/**
 * A version's id is a hash of what produced it, so re-running a filter with the same input and
 * parameters replaces its version instead of piling up copies.
 */
export function versionId(datasetId: string, parentId: string | null, method: string, params: Record<string, unknown>): string {
  const hash = createHash('sha256').update(JSON.stringify({ datasetId, parentId, method, params })).digest('hex');
  return `${method}-${hash.slice(0, 10)}`;
}

const versionsDir = (dataDir: string, datasetId: string) => join(datasetDir(dataDir, datasetId), 'versions');

export async function saveVersion(dataDir: string, version: DatasetVersion): Promise<void> {
  const dir = versionsDir(dataDir, version.datasetId);
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${version.id}.json`);
  await writeFile(`${path}.tmp`, JSON.stringify(version));
  await rename(`${path}.tmp`, path);
}

export async function listVersions(dataDir: string, datasetId?: string): Promise<DatasetVersion[]> {
  const datasetIds = datasetId ? [datasetId] : (await readdir(datasetsDir(dataDir)).catch(() => [] as string[])).filter((e) => !e.startsWith('.'));
  const versions: DatasetVersion[] = [];
  for (const id of datasetIds) {
    const files = await readdir(versionsDir(dataDir, id)).catch(() => [] as string[]);
    for (const file of files.filter((f) => f.endsWith('.json'))) {
      versions.push(JSON.parse(await readFile(join(versionsDir(dataDir, id), file), 'utf8')) as DatasetVersion);
    }
  }
  return versions.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** Finds a version by its id, a unique prefix of it, or its registry number. */
export async function findVersion(dataDir: string, key: string): Promise<DatasetVersion | undefined> {
  const versions = await listVersions(dataDir);
  const matches = /^\d+$/.test(key) ? versions.filter((v) => v.registryId === Number(key)) : versions.filter((v) => v.id.startsWith(key));
  if (matches.length > 1) throw new Error(`version '${key}' is ambiguous: ${matches.map((v) => v.id).join(', ')}`);
  return matches[0];
}
