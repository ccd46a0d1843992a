import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { expressionLabel, parseExpression } from '../../core/expressions.js';
import { FER2013_ANCHORS } from '../../core/faces/framing.js';
import { FacePipeline, NoFaceError } from '../../core/faces/pipeline.js';
import { readUploadFaces } from '../../core/faces/upload.js';
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

/**
 * Content hash of the whole tree: relative paths and bytes, so a renamed or edited image is a new
 * data set. An aligned import hashes the framing it aligns to as well: the same folder aligned
 * and centre-cropped, or aligned to another framing, gives other faces.
 */
async function treeSha256(root: string, files: ImageFile[], align: boolean): Promise<string> {
  const hash = createHash('sha256');
  if (align) hash.update(`aligned to ${JSON.stringify(FER2013_ANCHORS)}\0`);
  for (const file of files) {
    hash.update(relative(root, file.path));
    hash.update('\0');
    hash.update(await readFile(file.path));
  }
  return hash.digest('hex');
}

/**
 * Imports the image-folder layout (`train|test/<class>/*.png|jpg`), decoding each image exactly as
 * the server decodes an upload, so a translator trains on the faces it will be served: without
 * `align` the centred square (faces=none), with it the largest face of each photo aligned to
 * FER2013's framing by the server's face pipeline (the label names the photo's subject; a 48x48
 * image counts as aligned already). A photo in which no face is found is left out and listed in
 * the manifest's `alignment.noFace`, whatever `skipInvalid` says: it is not malformed, and
 * stretching it into a face would teach the translator noise. Rows are numbered in sorted path
 * order; the paths are stored beside the pixels.
 */
export async function importImageFolder(root: string, options: ImportOptions): Promise<ImportResult> {
  const files = await listImages(root);
  const align = options.align ?? false;
  const sha256 = await treeSha256(root, files, align);
  const existing = await readManifest(options.dataDir, datasetId(sha256));
  if (existing) return { manifest: existing, existed: true };

  const writer = await DatasetWriter.open(options.dataDir);
  const pipeline = new FacePipeline({ maxFaces: 1 });
  const kept: string[] = [];
  const noFace: string[] = [];
  try {
    for (const [index, file] of files.entries()) {
      const where = relative(root, file.path);
      try {
        const label = expressionLabel(parseExpression(file.className));
        const upload = await readUploadFaces(pipeline, await readFile(file.path), align ? 'largest' : 'none');
        await writer.append(index + 1, label, usageIndex(SPLITS[file.split]!), upload.kind === 'face' ? upload.pixels : upload.faces[0]!.pixels);
        kept.push(where);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        if (error instanceof NoFaceError) noFace.push(where);
        else if (!options.skipInvalid) throw new Error(`${where}: ${reason}`);
        else writer.skip(index + 1, `${where}: ${reason}`);
      }
      options.onProgress?.(index + 1, files.length);
    }
    if (writer.count === 0) throw new Error(`${root}: no images${noFace.length > 0 ? ` (no face found in any of ${noFace.length})` : ''}`);
    const manifest = await writer.finish({ sha256, source: resolve(root), format: 'image-folder', alignment: align ? { noFace } : undefined, extra: { files: kept } });
    return { manifest, existed: false };
  } catch (error) {
    await writer.abort();
    throw error;
  } finally {
    await pipeline.close();
  }
}
