import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { FACE_PIXELS, FACE_SIZE, fromUnitRange } from '../../core/image-codec.js';
import * as tf from '../tfjs/tf.js';
import { initBackend } from '../tfjs/backend.js';
import { loadDataset } from '../data/dataset-store.js';
import { findVersion } from '../data/version-store.js';
import { seededRandom, shuffle } from '../../core/random.js';
import { buildNetwork, disposeNetwork, forward, loadWeights } from '../networks/network.js';
import { domainImages, gatherImages } from './domains.js';
import { cycleGanConfig } from './options.js';
import { readRunRecord } from './run-files.js';
import { runGenerator } from './run-generator.js';

export interface GenerateInput {
  dataDir: string;
  runId: number;
  count: number;
  out: string;
  seed: number;
  backend?: string;
}

export interface GenerateSummary {
  runId: number;
  modelVersion: number | null;
  count: number;
  out: string;
  seed: number;
}

const BATCH = 32;

/**
 * Translates `count` source faces, chosen by a seeded shuffle of the run's training source images,
 * with the run's generator (see runGenerator); writes one PNG each and a manifest.jsonl line per image.
 */
export async function generateImages(input: GenerateInput): Promise<GenerateSummary> {
  const record = await readRunRecord(input.dataDir, input.runId);
  const generator = await runGenerator(input.dataDir, record);
  const version = await findVersion(input.dataDir, record.dataVersion);
  if (!version) throw new Error(`run ${input.runId} trained on data set version ${record.dataVersion}, which is gone`);
  const dataset = await loadDataset(input.dataDir, version.datasetId);
  const sources = domainImages(dataset, version.kept, record.options.source, 'Training');
  if (input.count > sources.count) throw new Error(`--count ${input.count} exceeds the ${sources.count} ${record.options.source} training faces`);
  const picks = shuffle(Array.from({ length: sources.count }, (_, i) => i), seededRandom(input.seed)).slice(0, input.count);

  await initBackend(input.backend);
  const net = buildNetwork(cycleGanConfig(record.options, 'B').generator, 0, `generate-${input.runId}`);
  await mkdir(input.out, { recursive: true });
  const manifest: string[] = [];
  try {
    loadWeights(net, generator.weights);
    for (let start = 0; start < picks.length; start += BATCH) {
      const batch = picks.slice(start, start + BATCH);
      const output = tf.tidy(() =>
        forward(net, tf.tensor4d(gatherImages(sources, batch), [batch.length, FACE_SIZE, FACE_SIZE, 1]), { training: false }).dataSync(),
      ) as Float32Array;
      for (const [n, position] of batch.entries()) {
        const index = sources.indices[position]!;
        const file = `${record.options.target}-${String(start + n).padStart(5, '0')}.png`;
        const grey = fromUnitRange(output, n * FACE_PIXELS);
        await sharp(grey, { raw: { width: FACE_SIZE, height: FACE_SIZE, channels: 1 } }).png().toFile(join(input.out, file));
        manifest.push(
          JSON.stringify({
            sourceRow: dataset.rows[index],
            sourceIndex: index,
            source: record.options.source,
            target: record.options.target,
            file,
            runId: record.runId,
            modelVersion: record.modelVersion ?? null,
            step: generator.step,
            seed: input.seed,
          }),
        );
      }
    }
  } finally {
    disposeNetwork(net);
  }
  await writeFile(join(input.out, 'manifest.jsonl'), manifest.join('\n') + '\n');
  return { runId: record.runId, modelVersion: record.modelVersion ?? null, count: picks.length, out: input.out, seed: input.seed };
}
