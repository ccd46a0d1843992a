import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArmResult, FoldResult } from './fold-task.js';

export const foldKey = (repeat: number, fold: number) => `${repeat}-${fold}`;

/** Writes one record per fold atomically, so an interrupted validation never finds half a result. */
async function saveRecord(dir: string, repeat: number, fold: number, record: unknown): Promise<void> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${foldKey(repeat, fold)}.json`);
  await writeFile(`${path}.tmp`, JSON.stringify(record));
  await rename(`${path}.tmp`, path);
}

/** JSON has no NaN (an AUC of a class missing from a small held-out fold): it is stored as null. */
const reviveNaN = (_key: string, value: unknown) => (value === null ? NaN : value);

/** Parses a stored result (a fold file, an arm from the fold queue), its nulls back to NaN. */
export const parseResult = <T>(text: string): T => JSON.parse(text, reviveNaN) as T;

async function loadRecords<T>(dir: string): Promise<Map<string, T>> {
  const files = await readdir(dir).catch(() => [] as string[]);
  const records = new Map<string, T>();
  for (const file of files.filter((f) => /^\d+-\d+\.json$/.test(f))) {
    records.set(file.slice(0, -'.json'.length), parseResult<T>(await readFile(join(dir, file), 'utf8')));
  }
  return records;
}

const foldsDir = (validationDir: string) => join(validationDir, 'folds');

export const saveFold = (validationDir: string, result: FoldResult) => saveRecord(foldsDir(validationDir), result.repeat, result.fold, result);

/** The folds of a validation finished so far, keyed `repeat-fold`. */
export const loadFolds = (validationDir: string) => loadRecords<FoldResult>(foldsDir(validationDir));

/**
 * A baseline classifier depends only on the real data, the split and the classifier settings,
 * not on the translator, so validations that share those (another run, another --count) reuse
 * it and train only their augmented classifiers: half the cost of every validation but the first.
 */
export interface StoredBaseline {
  seed: number;
  trainReal: number;
  arm: ArmResult;
}

export const saveBaseline = (dir: string, repeat: number, fold: number, baseline: StoredBaseline) => saveRecord(dir, repeat, fold, baseline);

export const loadBaselines = (dir: string) => loadRecords<StoredBaseline>(dir);
