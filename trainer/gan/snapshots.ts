import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NamedWeights } from '../../core/networks/weights.js';
import { packTensors, tensorsToWeights, unpackTensors, weightsToTensors } from '../networks/tensor-file.js';

/**
 * The source -> target generator's weights at chosen steps of a run (0.5 MB each at the cpu
 * preset), kept beside the one rolling checkpoint so that any past step can still be evaluated,
 * compared and shipped: GAN training oscillates, and the best generator is often not the last.
 */
const DIR = 'snapshots';
const file = (step: number) => `generator-${String(step).padStart(7, '0')}.bin`;

interface Meta {
  format: 'faceaug-generator-snapshot/1';
  step: number;
}

export async function saveSnapshot(runDir: string, step: number, weights: NamedWeights): Promise<void> {
  const dir = join(runDir, DIR);
  await mkdir(dir, { recursive: true });
  const path = join(dir, file(step));
  await writeFile(`${path}.tmp`, packTensors<Meta>(weightsToTensors(weights), { format: 'faceaug-generator-snapshot/1', step }));
  await rename(`${path}.tmp`, path);
}

export async function loadSnapshot(runDir: string, step: number): Promise<NamedWeights> {
  const path = join(runDir, DIR, file(step));
  const bytes = await readFile(path).catch(() => {
    throw new Error(`no generator snapshot at step ${step} (expected ${path})`);
  });
  const { tensors } = unpackTensors<Meta>(bytes);
  return tensorsToWeights(tensors);
}

/** Steps that have a snapshot, ascending. */
export async function snapshotSteps(runDir: string): Promise<number[]> {
  const names = await readdir(join(runDir, DIR)).catch(() => [] as string[]);
  return names
    .map((name) => /^generator-(\d+)\.bin$/.exec(name)?.[1])
    .filter((step): step is string => step !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}
