import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../db/client.js';
import { migrate } from '../../db/migrate.js';
import { ArtifactCache } from '../../server/inference/artifact-cache.js';
import { NEUTRAL_DISGUST, onnxGenerator, registerGenerator } from './harness.js';

test('many concurrent loads of one artifact each get the whole, verified file and leave no temporary files', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'faceaug-cache-'));
  const handle = await openDatabase({ dataDir: dir });
  try {
    await migrate(handle);
    const version = await registerGenerator(handle.db, NEUTRAL_DISGUST, 1);
    const sha256 = createHash('sha256').update(await onnxGenerator(1)).digest('hex');
    const cache = new ArtifactCache(dir);
    // The same millisecond, the same process: what a burst of requests for a cold version does.
    const paths = await Promise.all(Array.from({ length: 16 }, () => cache.path(handle.db, version, sha256)));
    assert.equal(new Set(paths).size, 1);
    assert.equal(createHash('sha256').update(await readFile(paths[0]!)).digest('hex'), sha256);
    assert.deepEqual(await readdir(cache.dir), [`${sha256}.onnx`]);
  } finally {
    await handle.close();
    await rm(dir, { recursive: true, force: true });
  }
});
