import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadDataset } from '../../trainer/data/dataset-store.js';
import { importImageFolder } from '../../trainer/data/import-image-folder.js';
import { withTempDir } from './synthetic.js';

/** A flat colour image of the given size and channels, written with sharp. */
async function writeImage(path: string, size: number, channels: 1 | 3, value: number): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  const raw = Buffer.alloc(size * size * channels, value);
  await sharp(raw, { raw: { width: size, height: size, channels } }).toFile(path);
}

test('image folders: train|test/<class>/*.png|jpg decode to 48x48 grey with labels and splits', () =>
  withTempDir(async (dir) => {
    const root = join(dir, 'faces');
    await writeImage(join(root, 'train', 'happy', 'a.png'), 48, 1, 200);
    await writeImage(join(root, 'train', 'Neutral', 'b.jpg'), 64, 3, 90);
    await writeImage(join(root, 'test', 'fear', 'c.png'), 48, 3, 10);
    const { manifest } = await importImageFolder(root, { dataDir: join(dir, 'data') });
    assert.equal(manifest.format, 'image-folder');
    const dataset = await loadDataset(join(dir, 'data'), manifest.id);
    // Sorted path order: test/fear/c.png, train/Neutral/b.jpg, train/happy/a.png
    assert.deepEqual([...dataset.labels], [2, 6, 3]);
    assert.deepEqual([...dataset.usage], [1, 0, 0]);
    assert.equal(dataset.pixels.length, 3 * 2304);
    assert.equal(dataset.pixels[0], 10);
    assert.ok(Math.abs(dataset.pixels[2304]! - 90) <= 2, 'jpeg grey level');
    assert.equal(dataset.pixels[2 * 2304], 200);

    await writeImage(join(root, 'train', 'bored', 'd.png'), 48, 1, 1);
    await assert.rejects(importImageFolder(root, { dataDir: join(dir, 'data') }), /train\/bored\/d\.png: unknown expression 'bored'/);
    const skipped = await importImageFolder(root, { dataDir: join(dir, 'data'), skipInvalid: true });
    assert.equal(skipped.manifest.count, 3);
    assert.equal(skipped.manifest.skipped.count, 1);
  }));
