import { stat } from 'node:fs/promises';
import { importImageFolder } from './import-image-folder.js';
import type { ImportOptions, ImportResult } from './import-options.js';
import { importKaggleCsv } from './import-kaggle-csv.js';

/** A directory is the image-folder layout, a file the Kaggle CSV. */
export async function importSource(path: string, options: ImportOptions): Promise<ImportResult> {
  const info = await stat(path).catch(() => {
    throw new Error(`${path}: no such file or directory`);
  });
  if (info.isDirectory()) return importImageFolder(path, options);
  if (options.align) throw new Error(`${path}: --align imports image folders; a CSV's faces are 48x48 crops already`);
  return importKaggleCsv(path, options);
}
