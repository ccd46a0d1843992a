import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from '../../db/client.js';
import { IntegrityError } from '../../db/errors.js';
import { type ModelRef, formatRef, getModelVersion } from '../../db/registry.js';

/**
 * ONNX artifacts on local disk, named by their sha256: `<data dir>/cache/models/<sha256>.onnx`.
 * A cached file is hashed again before use, so a corrupt or half-written file is fetched anew
 * rather than served; the registry read is sha256-checked too.
 */
export class ArtifactCache {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'cache', 'models');
  }

  async path(db: Database, ref: ModelRef, sha256: string): Promise<string> {
    const path = join(this.dir, `${sha256}.onnx`);
    const cached = await readFile(path).catch(() => undefined);
    if (cached && createHash('sha256').update(cached).digest('hex') === sha256) return path;
    const model = await getModelVersion(db, ref, { kinds: ['onnx'] });
    const artifact = model.verified.find((a) => a.kind === 'onnx');
    if (!artifact || artifact.sha256 !== sha256) throw new IntegrityError(`${formatRef(ref)}: onnx artifact is not ${sha256}`);
    await mkdir(this.dir, { recursive: true });
    // Write then rename: a reader (another process on the same disk) sees the whole file or none.
    // A random name: two loads in one process within a millisecond must not share a temporary file.
    const partial = `${path}.${randomUUID()}.partial`;
    try {
      await writeFile(partial, artifact.bytes);
      await rename(partial, path);
    } finally {
      await rm(partial, { force: true });
    }
    return path;
  }
}
