import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { FACE_PIXELS } from '../../core/image-codec.js';
import type { Dataset } from './dataset-store.js';
import { USAGES } from './format.js';
import type { Progress } from './import-options.js';

/**
 * Writes data set rows in the Kaggle layout plus a `row` column holding each image's row number in
 * the original file, so a filtered subset can be traced back and reused by other tools.
 */
export async function exportKaggleCsv(path: string, dataset: Dataset, indices: readonly number[], onProgress?: Progress): Promise<void> {
  const out = createWriteStream(path);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('emotion,pixels,Usage,row\n');
  for (const [n, i] of indices.entries()) {
    const pixels = dataset.pixels.subarray(i * FACE_PIXELS, (i + 1) * FACE_PIXELS).join(' ');
    await write(`${dataset.labels[i]},${pixels},${USAGES[dataset.usage[i]!]},${dataset.rows[i]}\n`);
    if (n % 1000 === 0) onProgress?.(n, indices.length);
  }
  out.end();
  await finished(out);
  onProgress?.(indices.length, indices.length);
}
