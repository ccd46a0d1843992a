import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadDataset } from '../../trainer/data/dataset-store.js';
import { exportKaggleCsv } from '../../trainer/data/export-csv.js';
import { importKaggleCsv } from '../../trainer/data/import-kaggle-csv.js';
import { HEADER, kaggleLine, syntheticPixels, withTempDir, writeCsv } from './synthetic.js';

test('export round trip: a kept subset re-imports with its labels, pixels, splits and original rows', () =>
  withTempDir(async (dir) => {
    const lines = [0, 1, 2, 3, 4].map((seed) => kaggleLine(seed + 1, syntheticPixels(seed), seed % 2 ? 'PublicTest' : 'Training'));
    const source = await loadDataset(join(dir, 'a'), (await importKaggleCsv(await writeCsv(dir, 'src.csv', [HEADER, ...lines]), { dataDir: join(dir, 'a') })).manifest.id);
    const out = join(dir, 'subset.csv');
    await exportKaggleCsv(out, source, [1, 3, 4]);
    const text = await readFile(out, 'utf8');
    assert.equal(text.split('\n')[0], 'emotion,pixels,Usage,row');
    assert.equal(text.split('\n')[1], `${lines[1]},2`);

    const back = await loadDataset(join(dir, 'b'), (await importKaggleCsv(out, { dataDir: join(dir, 'b') })).manifest.id);
    assert.deepEqual([...back.rows], [2, 4, 5]);
    assert.deepEqual([...back.labels], [2, 4, 5]);
    assert.deepEqual([...back.usage], [1, 1, 0]);
    assert.deepEqual(back.pixels, Uint8Array.from([1, 3, 4].flatMap((seed) => syntheticPixels(seed))));
  }));
