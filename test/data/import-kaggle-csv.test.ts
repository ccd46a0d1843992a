import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { datasetsDir, imageAt, loadDataset } from '../../trainer/data/dataset-store.js';
import { importKaggleCsv } from '../../trainer/data/import-kaggle-csv.js';
import { HEADER, kaggleLine, syntheticPixels, withTempDir, writeCsv } from './synthetic.js';

const good = [kaggleLine(0, syntheticPixels(1)), kaggleLine(6, syntheticPixels(2), 'PublicTest'), kaggleLine(3, syntheticPixels(3))];

test('imports plain and gzip CSVs with labels, usage and row numbers', () =>
  withTempDir(async (dir) => {
    const dataDir = join(dir, 'data');
    for (const gzip of [false, true]) {
      const path = await writeCsv(dir, gzip ? 'small.csv.gz' : 'small.csv', [HEADER, ...good], gzip);
      const { manifest, existed } = await importKaggleCsv(path, { dataDir });
      assert.equal(existed, false);
      assert.equal(manifest.count, 3);
      assert.deepEqual(manifest.labels, ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral']);
      assert.equal(manifest.perClass.neutral, 1);
      assert.equal(manifest.perUsage.PublicTest, 1);
      const dataset = await loadDataset(dataDir, manifest.id);
      assert.deepEqual([...dataset.labels], [0, 6, 3]);
      assert.deepEqual([...dataset.usage], [0, 1, 0]);
      assert.deepEqual([...dataset.rows], [1, 2, 3]);
      assert.deepEqual([...imageAt(dataset, 1)], syntheticPixels(2));
    }
  }));

test('re-importing the same file reuses the data set', () =>
  withTempDir(async (dir) => {
    const dataDir = join(dir, 'data');
    const path = await writeCsv(dir, 'small.csv', [HEADER, ...good]);
    const first = await importKaggleCsv(path, { dataDir });
    const second = await importKaggleCsv(path, { dataDir });
    assert.equal(second.existed, true);
    assert.equal(second.manifest.id, first.manifest.id);
    assert.deepEqual(await readdir(datasetsDir(dataDir)), [first.manifest.id]);
  }));

const malformed: Array<[string, string, RegExp]> = [
  ['wrong column count', `${kaggleLine(0, syntheticPixels(9))},extra`, /bad\.csv:3: 4 columns, expected 3/],
  ['too few pixels', kaggleLine(0, syntheticPixels(9).slice(1)), /bad\.csv:3: 2303 pixels, expected 2304/],
  ['too many pixels', kaggleLine(0, [...syntheticPixels(9), 5]), /bad\.csv:3: more than 2304 pixels/],
  ['pixel above 255', kaggleLine(0, [256, ...syntheticPixels(9).slice(1)]), /bad\.csv:3: pixel 1 is outside 0-255/],
  ['negative pixel', kaggleLine(0, [1, -3, ...syntheticPixels(9).slice(2)]), /bad\.csv:3: pixel 2 is not an integer in 0-255: '-3'/],
  ['non-integer pixel', kaggleLine(0, [1, 2, 3.5, ...syntheticPixels(9).slice(3)]), /bad\.csv:3: pixel 3 is not an integer in 0-255: '3\.5'/],
  ['unknown label', kaggleLine(7, syntheticPixels(9)), /bad\.csv:3: unknown emotion label '7'/],
  ['unknown usage', kaggleLine(0, syntheticPixels(9), 'Validation'), /bad\.csv:3: unknown Usage 'Validation'/],
];

for (const [name, line, message] of malformed) {
  test(`malformed input fails with file and line: ${name}`, () =>
    withTempDir(async (dir) => {
      const dataDir = join(dir, 'data');
      const path = await writeCsv(dir, 'bad.csv', [HEADER, good[0]!, line, good[1]!]);
      await assert.rejects(importKaggleCsv(path, { dataDir }), message);
      // A failed import leaves nothing behind that looks like a data set.
      assert.deepEqual(await readdir(datasetsDir(dataDir)), []);
    }));
}

test('--skip-invalid skips and counts malformed rows, keeping original row numbers', () =>
  withTempDir(async (dir) => {
    const dataDir = join(dir, 'data');
    const lines = [HEADER, good[0]!, ...malformed.map(([, line]) => line), good[1]!];
    const path = await writeCsv(dir, 'bad.csv', lines);
    const { manifest } = await importKaggleCsv(path, { dataDir, skipInvalid: true });
    assert.equal(manifest.count, 2);
    assert.equal(manifest.skipped.count, malformed.length);
    assert.deepEqual(
      manifest.skipped.first.map((s) => s.line),
      malformed.map((_, i) => i + 3),
    );
    const dataset = await loadDataset(dataDir, manifest.id);
    assert.deepEqual([...dataset.rows], [1, 2 + malformed.length]);
  }));

test('a wrong header fails even with --skip-invalid', () =>
  withTempDir(async (dir) => {
    const path = await writeCsv(dir, 'bad.csv', ['pixels,emotion,Usage', ...good]);
    await assert.rejects(importKaggleCsv(path, { dataDir: join(dir, 'data'), skipInvalid: true }), /bad\.csv:1: header is/);
  }));

test('real FER2013 import', { timeout: 120_000 }, async (t) => {
  const path = process.env.FER2013_CSV;
  if (!path) return t.skip('FER2013_CSV not set: the real-data import check needs the file');
  await withTempDir(async (dir) => {
    const { manifest } = await importKaggleCsv(path, { dataDir: dir });
    assert.equal(manifest.count, 28709 + 3589);
    assert.equal(manifest.skipped.count, 0);
    assert.equal(manifest.perClass.disgust, 436 + 56);
    assert.equal(manifest.perUsage.Training, 28709);
  });
});
