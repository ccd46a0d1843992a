import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { expressionLabel, parseExpression } from '../../core/expressions.js';
import { decodeFace } from '../../core/image-codec.js';
import { DatasetWriter, datasetId, readManifest } from './dataset-store.js';
import { usageIndex } from './format.js';
import type { ImportOptions, ImportResult } from './import-options.js';

/** The folder layout's split names; `test` is the held-out split, stored as PublicTest. */
const SPLITS: Record<string, string> = { train: 'Training', test: 'PublicTest' };
const IMAGE_EXTENSION = /\.(png|jpe?g)$/i;

interface ImageFile {
  path: string;
  split: string;
  className: string;
}

async function listImages(root: string): Promise<ImageFile[]> {
  const files: ImageFile[] = [];
  const splits = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory() && e.name in SPLITS);
  if (splits.length === 0) throw new Error(`${root}: no train/ or test/ folder (expected train|test/<class>/*.png|jpg)`);
  for (const split of splits) {
    for (const cls of await readdir(join(root, split.name), { withFileTypes: true })) {
      if (!cls.isDirectory()) continue;
      const dir = join(root, split.name, cls.name);
      for (const file of await readdir(dir)) {
        if (IMAGE_EXTENSION.test(file)) files.push({ path: join(dir, file), split: split.name, className: cls.name });
      }
    }
  }
  // A fixed order makes the row numbers and the content hash independent of readdir's order.
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Content hash of the whole tree: relative paths and bytes, so a renamed or edited image is a new data set. */
async function treeSha256(root: string, files: ImageFile[]): Promise<string> {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(relative(root, file.path));
    hash.update('\0');
    hash.update(await readFile(file.path));
  }
  return hash.digest('hex');
}

/**
 * Imports the image-folder layout (`train|test/<class>/*.png|jpg`), decoding each image exactly as
 * the server decodes an upload ({@link decodeFace}: upright, alpha on white, centre square, 48x48
 * grey), so a translator trains on the faces it will be served. Rows are numbered in sorted path
 * order; the paths are stored beside the pixels.
 */
export async function importImageFolder(root: string, options: ImportOptions): Promise<ImportResult> {
  const files = await listImages(root);
  const sha256 = await treeSha256(root, files);
  const existing = await readManifest(options.dataDir, datasetId(sha256));
  if (existing) return { manifest: existing, existed: true };

  const writer = await DatasetWriter.open(options.dataDir);
  const kept: string[] = [];
  try {
    for (const [index, file] of files.entries()) {
      const where = relative(root, file.path);
      try {
        const label = expressionLabel(parseExpression(file.className));
        await writer.append(index + 1, label, usageIndex(SPLITS[file.split]!), await decodeFace(await readFile(file.path)));
        kept.push(where);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        if (!options.skipInvalid) throw new Error(`${where}: ${reason}`);
        writer.skip(index + 1, `${where}: ${reason}`);
      }
      options.onProgress?.(index + 1, files.length);
    }
    if (writer.count === 0) throw new Error(`${root}: no images`);
    const manifest = await writer.finish({ sha256, source: resolve(root), format: 'image-folder', extra: { files: kept } });
    return { manifest, existed: false };
  } catch (error) {
    await writer.abort();
    throw error;
  }
}
