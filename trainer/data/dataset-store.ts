import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { join } from 'node:path';
import { FACE_SIZE, FACE_PIXELS } from '../../core/image-codec.js';
import { EXPRESSIONS, NUM_EXPRESSIONS } from '../../core/expressions.js';
import { USAGES } from './format.js';

export interface SkippedRow {
  line: number;
  reason: string;
}

export interface DatasetManifest {
  id: string;
  sha256: string;
  source: string;
  format: 'kaggle-csv' | 'image-folder';
  count: number;
  imageSide: number;
  /** Label index -> name, kept in every manifest so the stored bytes never depend on code defaults. */
  labels: string[];
  usages: string[];
  perClass: Record<string, number>;
  perUsage: Record<string, number>;
  skipped: { count: number; first: SkippedRow[] };
  /** An image folder imported with --align: every image in which no face was found, left out (paths in sorted order). */
  alignment?: { noFace: string[] };
  createdAt: string;
}

/** An imported data set in memory: row i is pixels[i*2304 .. (i+1)*2304). */
export interface Dataset {
  manifest: DatasetManifest;
  pixels: Uint8Array;
  labels: Uint8Array;
  usage: Uint8Array;
  /** 1-based row of each image in the source file (its data-row number, header excluded). */
  rows: Uint32Array;
}

export const datasetsDir = (dataDir: string) => join(dataDir, 'datasets');
export const datasetDir = (dataDir: string, id: string) => join(datasetsDir(dataDir), id);

/** The data set id: a prefix of the source's sha256, so importing the same file twice finds it again. */
export const datasetId = (sha256: string) => sha256.slice(0, 16);

const KEPT_SKIPPED = 20;

/**
 * Streams rows of one import into a temporary directory and moves it into place only when
 * complete, so an interrupted import never leaves a data set that looks finished.
 */
export class DatasetWriter {
  private readonly labels: number[] = [];
  private readonly usage: number[] = [];
  private readonly rows: number[] = [];
  private readonly skipped: SkippedRow[] = [];
  private skippedCount = 0;

  private constructor(
    private readonly dataDir: string,
    private readonly tempDir: string,
    private readonly pixelsOut: WriteStream,
  ) {}

  static async open(dataDir: string): Promise<DatasetWriter> {
    const tempDir = join(datasetsDir(dataDir), `.import-${process.pid}-${Date.now()}`);
    await mkdir(tempDir, { recursive: true });
    return new DatasetWriter(dataDir, tempDir, createWriteStream(join(tempDir, 'pixels.u8')));
  }

  get count(): number {
    return this.labels.length;
  }

  async append(row: number, label: number, usage: number, pixels: Uint8Array): Promise<void> {
    this.rows.push(row);
    this.labels.push(label);
    this.usage.push(usage);
    // Copy: the caller reuses its row buffer.
    if (!this.pixelsOut.write(Buffer.from(pixels))) await once(this.pixelsOut, 'drain');
  }

  skip(line: number, reason: string): void {
    this.skippedCount++;
    if (this.skipped.length < KEPT_SKIPPED) this.skipped.push({ line, reason });
  }

  async abort(): Promise<void> {
    // Let queued writes land before the directory goes; destroying mid-write raises asynchronously.
    this.pixelsOut.end();
    await finished(this.pixelsOut).catch(() => undefined);
    await rm(this.tempDir, { recursive: true, force: true });
  }

  async finish(source: { sha256: string; source: string; format: DatasetManifest['format']; alignment?: DatasetManifest['alignment']; extra?: Record<string, unknown> }): Promise<DatasetManifest> {
    this.pixelsOut.end();
    await once(this.pixelsOut, 'finish');
    const labels = Uint8Array.from(this.labels);
    const usage = Uint8Array.from(this.usage);
    const manifest: DatasetManifest = {
      id: datasetId(source.sha256),
      sha256: source.sha256,
      source: source.source,
      format: source.format,
      count: labels.length,
      imageSide: FACE_SIZE,
      labels: [...EXPRESSIONS],
      usages: [...USAGES],
      perClass: countBy(labels, EXPRESSIONS),
      perUsage: countBy(usage, USAGES),
      skipped: { count: this.skippedCount, first: this.skipped },
      ...(source.alignment ? { alignment: source.alignment } : {}),
      createdAt: new Date().toISOString(),
    };
    await writeFile(join(this.tempDir, 'labels.u8'), labels);
    await writeFile(join(this.tempDir, 'usage.u8'), usage);
    await writeFile(join(this.tempDir, 'rows.u32'), new Uint8Array(Uint32Array.from(this.rows).buffer));
    for (const [name, value] of Object.entries(source.extra ?? {})) {
      await writeFile(join(this.tempDir, `${name}.json`), JSON.stringify(value));
    }
    await writeFile(join(this.tempDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const target = datasetDir(this.dataDir, manifest.id);
    if (await exists(join(target, 'manifest.json'))) {
      // A concurrent import of the same file won; its bytes are identical.
      await rm(this.tempDir, { recursive: true, force: true });
    } else {
      await rm(target, { recursive: true, force: true });
      await rename(this.tempDir, target);
    }
    return manifest;
  }
}

export function countBy(values: Uint8Array, names: readonly string[]): Record<string, number> {
  const counts = Object.fromEntries(names.map((name) => [name, 0]));
  for (const value of values) counts[names[value]!]!++;
  return counts;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export async function readManifest(dataDir: string, id: string): Promise<DatasetManifest | undefined> {
  const path = join(datasetDir(dataDir, id), 'manifest.json');
  if (!(await exists(path))) return undefined;
  return JSON.parse(await readFile(path, 'utf8')) as DatasetManifest;
}

export async function listManifests(dataDir: string): Promise<DatasetManifest[]> {
  const entries = await readdir(datasetsDir(dataDir)).catch(() => [] as string[]);
  const manifests = await Promise.all(entries.filter((e) => !e.startsWith('.')).map((e) => readManifest(dataDir, e)));
  return manifests.filter((m): m is DatasetManifest => m !== undefined);
}

/** Finds a data set by its id or a unique prefix of it. */
export async function resolveDatasetId(dataDir: string, idOrPrefix: string): Promise<string> {
  const matches = (await listManifests(dataDir)).filter((m) => m.id.startsWith(idOrPrefix));
  if (matches.length === 1) return matches[0]!.id;
  if (matches.length === 0) throw new Error(`no data set '${idOrPrefix}' in ${datasetsDir(dataDir)} (see 'faceaug data list')`);
  throw new Error(`data set prefix '${idOrPrefix}' is ambiguous: ${matches.map((m) => m.id).join(', ')}`);
}

export async function loadDataset(dataDir: string, idOrPrefix: string): Promise<Dataset> {
  const id = await resolveDatasetId(dataDir, idOrPrefix);
  const dir = datasetDir(dataDir, id);
  const manifest = (await readManifest(dataDir, id))!;
  if (manifest.labels.join() !== EXPRESSIONS.join() || manifest.labels.length !== NUM_EXPRESSIONS) {
    throw new Error(`data set ${id} uses labels [${manifest.labels.join(', ')}], this faceaug expects [${EXPRESSIONS.join(', ')}]`);
  }
  const bytes = async (name: string) => new Uint8Array(await readFile(join(dir, name)));
  const pixels = await bytes('pixels.u8');
  const rowsBytes = await bytes('rows.u32');
  const dataset: Dataset = {
    manifest,
    pixels,
    labels: await bytes('labels.u8'),
    usage: await bytes('usage.u8'),
    rows: new Uint32Array(rowsBytes.buffer, rowsBytes.byteOffset, rowsBytes.byteLength / 4),
  };
  if (pixels.length !== manifest.count * FACE_PIXELS || dataset.labels.length !== manifest.count) {
    throw new Error(`data set ${id} is damaged: ${pixels.length} pixel bytes for ${manifest.count} rows`);
  }
  return dataset;
}

/** The 2304 grey levels of image `index`, without copying. */
export function imageAt(dataset: Pick<Dataset, 'pixels'>, index: number): Uint8Array {
  return dataset.pixels.subarray(index * FACE_PIXELS, (index + 1) * FACE_PIXELS);
}

/** Copies of the images at `indices`, one after another (count x 2304 grey levels). */
export function imagesAt(dataset: Pick<Dataset, 'pixels'>, indices: readonly number[]): Uint8Array {
  const out = new Uint8Array(indices.length * FACE_PIXELS);
  indices.forEach((index, n) => out.set(imageAt(dataset, index), n * FACE_PIXELS));
  return out;
}
