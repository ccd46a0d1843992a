import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import type { Database } from '../../db/client.js';
import { type Job, resultPage } from '../../db/jobs.js';
import { itemSeed } from './augment.js';
import { TAR_END, tarEntry } from './tar.js';

export const RESULT_FORMATS = ['zip', 'tar'] as const;
export type ResultFormat = (typeof RESULT_FORMATS)[number];

const PAGE = 64;
const encoder = new TextEncoder();

/** One archive writer per format: files go in one after another, bytes come out as they are ready. */
interface ArchiveSink {
  add(name: string, data: Uint8Array, compress: boolean): void;
  end(): void;
}

function zipSink(emit: (chunk: Uint8Array) => void, onError: (error: Error) => void): ArchiveSink {
  const zip = new Zip((error, chunk) => (error ? onError(error) : emit(chunk)));
  return {
    add(name, data, compress) {
      // Encoded images are compressed already; deflating them again only costs CPU.
      const file = compress ? new ZipDeflate(name, { level: 6 }) : new ZipPassThrough(name);
      zip.add(file);
      file.push(data, true);
    },
    end: () => zip.end(),
  };
}

function tarSink(emit: (chunk: Uint8Array) => void, mtime: Date): ArchiveSink {
  return { add: (name, data) => emit(tarEntry(name, data, mtime)), end: () => emit(TAR_END) };
}

/**
 * Streams a finished job as an archive: every output under its name, `manifest.jsonl` (one line
 * per output: source file and output names and sha256, the face's index among its photo's faces
 * and its box (null where no detection ran), target, copy, model version and artifact sha256,
 * seeds) and `summary.json` (per-target counts and every failure). Items are read a page at a
 * time, so a large job never sits in memory whole.
 */
export function resultArchive(db: Database, job: Job, format: ResultFormat): ReadableStream<Uint8Array> {
  const manifest: string[] = [];
  const counts = Object.fromEntries(job.targets.map((target) => [target, { done: 0, failed: 0 }]));
  const failures: Array<Record<string, unknown>> = [];
  let afterId = 0;
  let sink: ArchiveSink;
  let finished = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const emit = (chunk: Uint8Array) => controller.enqueue(chunk);
      sink = format === 'zip' ? zipSink(emit, (error) => controller.error(error)) : tarSink(emit, job.finishedAt ?? job.createdAt);
    },
    async pull(controller) {
      if (finished) return;
      const rows = await resultPage(db, job.id, afterId, PAGE);
      for (const row of rows) {
        afterId = row.id;
        const model = job.models[row.target]!;
        if (row.status === 'done') {
          counts[row.target]!.done++;
          sink.add(row.outputName!, row.output!, false);
          manifest.push(
            JSON.stringify({
              input: row.inputName,
              inputSha256: row.inputSha256,
              output: row.outputName,
              outputSha256: row.outputSha256,
              face: row.face,
              box: row.faceBox,
              target: row.target,
              copy: row.copy,
              modelVersion: model.version,
              modelSha256: model.sha256,
              seed: job.seed,
              itemSeed: itemSeed(job.seed, row.inputSha256, row.target, row.copy),
            }),
          );
        } else {
          counts[row.target]!.failed++;
          failures.push({ input: row.inputName, inputSha256: row.inputSha256, target: row.target, copy: row.copy, error: row.error });
        }
      }
      if (rows.length < PAGE) {
        finished = true;
        sink.add('manifest.jsonl', encoder.encode(manifest.map((line) => `${line}\n`).join('')), true);
        const summary = {
          job: job.id,
          source: job.source,
          targets: job.targets,
          faces: job.faces,
          copies: job.copies,
          seed: job.seed,
          models: job.models,
          inputs: job.inputCount,
          items: job.itemCount,
          counts,
          failures,
        };
        sink.add('summary.json', encoder.encode(`${JSON.stringify(summary, null, 2)}\n`), true);
        sink.end();
        controller.close();
      }
    },
  });
}
