import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NUM_EXPRESSIONS } from '../../core/expressions.js';
import { CLASSIFIER_OPTIONS } from '../classifier/options.js';
import { type Dataset, datasetDir } from '../data/dataset-store.js';
import type { Progress } from '../data/import-options.js';
import { type OutOfFoldParams, type OutOfFoldProbabilities, outOfFoldProbabilities } from './confidence-scores.js';

/**
 * The cache key of out-of-fold probabilities: a hash of everything that decides them. The data
 * set id stands for its pixels and labels (it is a hash of the imported file). Left out: the
 * backend and the number of training replicas, which change the probabilities only by float
 * rounding, and the recipe's name, of which only the settings it resolved to matter. `labels`,
 * given when the classifiers train on labels other than the data set's (a copy with injected
 * noise), are hashed in as the candidates' labels, so such a run never reads or overwrites the
 * data set's own probabilities; without them the key is what it always was.
 */
export function outOfFoldKey(datasetId: string, candidates: readonly number[], outside: readonly number[], params: OutOfFoldParams, labels?: ArrayLike<number>): string {
  const classifier = Object.fromEntries(CLASSIFIER_OPTIONS.filter(({ field }) => field !== 'recipe').map(({ field }) => [field, params[field]]));
  const hash = createHash('sha256').update(JSON.stringify({ datasetId, folds: params.folds, seed: params.seed, classifier, candidates: candidates.length, outside: outside.length }));
  hash.update(new Uint8Array(Uint32Array.from(candidates).buffer));
  hash.update(new Uint8Array(Uint32Array.from(outside).buffer));
  if (labels) hash.update(Uint8Array.from(candidates, (i) => labels[i]!));
  return hash.digest('hex').slice(0, 16);
}

/**
 * {@link outOfFoldProbabilities}, kept beside the data set (`out-of-fold/<key>.f32`): training k
 * classifiers is most of a scoring filter's time, and `confidence` and `confident-learning` read
 * the same probabilities, so each data set, row selection and classifier is trained once however
 * many filters and keep rules are tried on it. `onTraining` is called only when it must train.
 * `labels` replaces the data set's labels (indexed by data set row, as they are).
 */
export async function cachedOutOfFoldProbabilities(
  dataDir: string,
  dataset: Dataset,
  candidates: readonly number[],
  outside: readonly number[],
  params: OutOfFoldParams,
  onTraining?: () => Progress | undefined,
  labels?: Uint8Array,
): Promise<OutOfFoldProbabilities> {
  const dir = join(datasetDir(dataDir, dataset.manifest.id), 'out-of-fold');
  const path = join(dir, `${outOfFoldKey(dataset.manifest.id, candidates, outside, params, labels)}.f32`);
  const split = candidates.length * NUM_EXPRESSIONS;
  const cached = await readFile(path).catch(() => undefined);
  if (cached && cached.length === (split + outside.length * NUM_EXPRESSIONS) * 4) {
    const all = new Float32Array(cached.buffer.slice(cached.byteOffset, cached.byteOffset + cached.length));
    return { candidates: all.subarray(0, split), outside: all.subarray(split) };
  }
  const computed = await outOfFoldProbabilities(dataset.pixels, labels ?? dataset.labels, candidates, params, onTraining?.(), outside);
  await mkdir(dir, { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, Buffer.concat([new Uint8Array(computed.candidates.buffer), new Uint8Array(computed.outside.buffer)]));
  await rename(temporary, path);
  return computed;
}
