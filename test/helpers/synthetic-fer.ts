import { writeFile } from 'node:fs/promises';
import { faceaug } from './cli.js';
import { seededValues } from './tensors.js';

/**
 * Writes a small FER2013-layout CSV of synthetic faces (seeded noise, brighter per class), so
 * pipeline tests run end to end without the real data set. `counts` maps label -> [Training, PublicTest].
 */
export async function writeSyntheticFer(path: string, counts: Record<number, [number, number]>): Promise<void> {
  const lines = ['emotion,pixels,Usage'];
  let seed = 1;
  for (const [label, [train, test]] of Object.entries(counts)) {
    for (const [usage, n] of [['Training', train], ['PublicTest', test]] as const) {
      for (let i = 0; i < n; i++) {
        const noise = seededValues(2304, seed++);
        const pixels = Array.from(noise, (v) => Math.max(0, Math.min(255, Math.round(90 + 20 * Number(label) + 60 * v))));
        lines.push(`${label},${pixels.join(' ')},${usage}`);
      }
    }
  }
  await writeFile(path, lines.join('\n') + '\n');
}

/** Imports a synthetic CSV into `dataDir` and drops duplicates, returning the registered version's id; `env` as for {@link faceaug}. */
export async function syntheticVersion(dataDir: string, csv: string, env: Record<string, string> = {}): Promise<string> {
  const imported = faceaug(['data', 'import', csv, '--data-dir', dataDir, '--json'], env);
  if (imported.status !== 0) throw new Error(`import failed: ${imported.stderr}`);
  const datasetId = (JSON.parse(imported.stdout) as { id: string }).id;
  const filtered = faceaug(['data', 'filter', datasetId, '--drop-duplicates', '--data-dir', dataDir, '--json'], env);
  if (filtered.status !== 0) throw new Error(`filter failed: ${filtered.stderr}`);
  return (JSON.parse(filtered.stdout) as Array<{ id: string }>)[0]!.id;
}
