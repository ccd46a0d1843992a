import { stat } from 'node:fs/promises';
import { importImageFolder } from './import-image-folder.js';
import type { ImportOptions, ImportResult } from './import-options.js';
import { importKaggleCsv } from './import-kaggle-csv.js';

/** A directory is the image-folder layout, a file the Kaggle CSV. */
export async function importSource(path: string, options: ImportOptions): Promise<ImportResult> {
  const info = await stat(path).catch(() => {
    throw new Error(`${path}: no such file or directory`);
  });
  return info.isDirectory() ? importImageFolder(path, options) : importKaggleCsv(path, options);
}
