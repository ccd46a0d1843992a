import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { decodePhoto } from '../../core/faces/photo.js';
import { FacePipeline } from '../../core/faces/pipeline.js';
import { imageAt, loadDataset } from '../../trainer/data/dataset-store.js';
import { importImageFolder } from '../../trainer/data/import-image-folder.js';
import { faceaugAsync } from '../helpers/cli.js';
import { withTempDir } from './synthetic.js';

const DEMO = join(dirname(createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json')), 'demo');

test('data import --align: photos become their largest face aligned by the face pipeline; face-less photos are counted and listed, not stretched', () =>
  withTempDir(async (dir) => {
    const root = join(dir, 'photos');
    const demo = [1, 2, 3, 4, 5, 6].map((n) => ({ from: join(DEMO, `sample${n}.jpg`), to: join(root, 'train', n <= 3 ? 'happy' : 'neutral', `sample${n}.jpg`) }));
    for (const { from, to } of demo) {
      await mkdir(dirname(to), { recursive: true });
      await copyFile(from, to);
    }
    // A photo without a face, and a 48x48 face that is already a crop and must pass untouched.
    const landscape = join(root, 'train', 'neutral', 'landscape.png');
    await sharp({ create: { width: 640, height: 480, channels: 3, background: '#87a0c8' } }).png().toFile(landscape);
    const crop = Buffer.alloc(48 * 48);
    for (let i = 0; i < crop.length; i++) crop[i] = (i * 7) % 251;
    await mkdir(join(root, 'test', 'fear'), { recursive: true });
    await writeFile(join(root, 'test', 'fear', 'crop.png'), await sharp(crop, { raw: { width: 48, height: 48, channels: 1 } }).png().toBuffer());

    const dataDir = join(dir, 'data');
    const run = await faceaugAsync(['data', 'import', root, '--align', '--no-registry', '--data-dir', dataDir]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\(7 rows/);
    assert.match(run.stdout, /no face found in 1 images, left out:\n {2}train\/neutral\/landscape\.png\n/);

    const id = /as data set (\w+)/.exec(run.stdout)![1]!;
    const dataset = await loadDataset(dataDir, id);
    assert.deepEqual(dataset.manifest.alignment, { noFace: ['train/neutral/landscape.png'] });
    const files = JSON.parse(await readFile(join(dataDir, 'datasets', id, 'files.json'), 'utf8')) as string[];
    assert.deepEqual(files, ['test/fear/crop.png', 'train/happy/sample1.jpg', 'train/happy/sample2.jpg', 'train/happy/sample3.jpg', 'train/neutral/sample4.jpg', 'train/neutral/sample5.jpg', 'train/neutral/sample6.jpg']);
    assert.deepEqual([...dataset.labels], [2, 3, 3, 3, 6, 6, 6]);
    assert.deepEqual(imageAt(dataset, 0), new Uint8Array(crop), 'a 48x48 image is taken as it is');
    // Each photo's row is the largest face exactly as the server's pipeline aligns it.
    const pipeline = new FacePipeline({ maxFaces: 1 });
    try {
      for (const [i, { from }] of demo.entries()) {
        const [face] = await pipeline.align(await decodePhoto(await readFile(from)), 'largest');
        assert.deepEqual(imageAt(dataset, i + 1), face!.pixels, `${from}: the aligned largest face`);
      }
    } finally {
      await pipeline.close();
    }

    // Without --align the same folder is another data set: centred squares, the landscape among them.
    const plain = await importImageFolder(root, { dataDir });
    assert.notEqual(plain.manifest.id, id);
    assert.equal(plain.manifest.count, 8);
    assert.equal(plain.manifest.alignment, undefined);

    const csv = join(dir, 'fer.csv');
    await writeFile(csv, 'emotion,pixels,Usage\n');
    const refused = await faceaugAsync(['data', 'import', csv, '--align', '--no-registry', '--data-dir', dataDir]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /--align imports image folders/);
  }));
