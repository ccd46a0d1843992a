import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FoldResult } from './fold-task.js';

const foldsDir = (validationDir: string) => join(validationDir, 'folds');
const foldFile = (repeat: number, fold: number) => `${repeat}-${fold}.json`;

/** Writes one finished fold atomically, so an interrupted validation never finds half a result. */
export async function saveFold(validationDir: string, result: FoldResult): Promise<void> {
  await mkdir(foldsDir(validationDir), { recursive: true });
  const path = join(foldsDir(validationDir), foldFile(result.repeat, result.fold));
  await writeFile(`${path}.tmp`, JSON.stringify(result));
  await rename(`${path}.tmp`, path);
}

/** JSON has no NaN (an AUC of a class missing from a small held-out fold): it is stored as null. */
const reviveNaN = (_key: string, value: unknown) => (value === null ? NaN : value);

/** The folds finished so far, keyed `repeat-fold`. */
export async function loadFolds(validationDir: string): Promise<Map<string, FoldResult>> {
  const files = await readdir(foldsDir(validationDir)).catch(() => [] as string[]);
  const folds = new Map<string, FoldResult>();
  for (const file of files.filter((f) => /^\d+-\d+\.json$/.test(f))) {
    const result = JSON.parse(await readFile(join(foldsDir(validationDir), file), 'utf8'), reviveNaN) as FoldResult;
    folds.set(foldKey(result.repeat, result.fold), result);
  }
  return folds;
}

export const foldKey = (repeat: number, fold: number) => `${repeat}-${fold}`;
