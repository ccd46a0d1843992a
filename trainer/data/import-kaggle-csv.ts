import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { FACE_PIXELS } from '../../core/image-codec.js';
import { DatasetWriter, datasetId, readManifest } from './dataset-store.js';
import { fileSha256 } from './file-sha256.js';
import type { ImportOptions, ImportResult } from './import-options.js';
import { InvalidRowError, parseKaggleHeader, parseKaggleRow, type KaggleColumns } from './kaggle-row.js';

async function isGzip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/**
 * Imports a Kaggle `emotion,pixels,Usage` CSV (plain or gzip, told apart by its magic bytes) line
 * by line: the unpacked file is ~290 MB and is never held as text. Row numbers count data rows of
 * the source (header excluded), so row N of a data set is row N of the original file; a file
 * written by `faceaug data export` carries the original numbers in its `row` column instead.
 */
export async function importKaggleCsv(path: string, options: ImportOptions): Promise<ImportResult> {
  const sha256 = await fileSha256(path);
  const existing = await readManifest(options.dataDir, datasetId(sha256));
  if (existing) return { manifest: existing, existed: true };

  const name = basename(path);
  const totalBytes = (await stat(path)).size;
  const gzip = await isGzip(path);
  const writer = await DatasetWriter.open(options.dataDir);
  // No await between creating the streams and iterating: readline drops lines emitted before its
  // iterator exists.
  const raw = createReadStream(path);
  let readBytes = 0;
  raw.on('data', (chunk) => {
    readBytes += chunk.length;
    options.onProgress?.(readBytes, totalBytes);
  });
  const text = gzip ? raw.pipe(createGunzip()) : raw;
  raw.on('error', (error) => text.destroy(error));
  const lines = createInterface({ input: text, crlfDelay: Infinity });

  const pixels = new Uint8Array(FACE_PIXELS);
  let lineNumber = 0;
  let row = 0;
  // Set by the header: the first non-blank line.
  let columns: KaggleColumns | undefined;
  try {
    for await (const line of lines) {
      lineNumber++;
      if (line.trim() === '') continue;
      try {
        if (columns === undefined) {
          columns = parseKaggleHeader(line);
          continue;
        }
        row++;
        const parsed = parseKaggleRow(line, pixels, columns);
        await writer.append(parsed.row ?? row, parsed.label, parsed.usage, parsed.pixels);
      } catch (error) {
        if (!(error instanceof InvalidRowError)) throw error;
        if (!options.skipInvalid || columns === undefined) throw new Error(`${name}:${lineNumber}: ${error.reason}`);
        writer.skip(lineNumber, error.reason);
      }
    }
    if (writer.count === 0) throw new Error(`${name}: no valid data rows`);
    const manifest = await writer.finish({ sha256, source: resolve(path), format: 'kaggle-csv' });
    return { manifest, existed: false };
  } catch (error) {
    await writer.abort();
    raw.destroy();
    throw error;
  }
}
