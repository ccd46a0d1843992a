import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Dataset, datasetDir } from '../data/dataset-store.js';
import { EMBEDDINGS, type EmbedOptions, type EmbeddingName, embedFaces } from '../networks/face-embedding.js';

/**
 * Embeddings of every image of a data set, computed once and kept beside its pixels: embedding
 * FER2013 takes minutes, fitting and scoring the Gaussians seconds, so retention and
 * regularisation can be tuned without re-embedding.
 */
export async function datasetEmbeddings(dataDir: string, dataset: Dataset, name: EmbeddingName, options: EmbedOptions = {}): Promise<Float32Array> {
  const { dim } = EMBEDDINGS[name];
  const dir = join(datasetDir(dataDir, dataset.manifest.id), 'embeddings');
  const path = join(dir, `${name}.f32`);
  const cached = await readFile(path).catch(() => undefined);
  if (cached && cached.length === dataset.manifest.count * dim * 4) {
    return new Float32Array(cached.buffer.slice(cached.byteOffset, cached.byteOffset + cached.length));
  }
  const embeddings = await embedFaces(name, dataset.pixels, dataset.manifest.count, options);
  await mkdir(dir, { recursive: true });
  await writeFile(`${path}.tmp`, new Uint8Array(embeddings.buffer));
  await rename(`${path}.tmp`, path);
  return embeddings;
}
