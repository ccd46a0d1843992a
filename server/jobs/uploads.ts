import { randomUUID } from 'node:crypto';
import { type FileHandle, mkdir, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import type { JobInput } from '../../db/jobs.js';
import { Problem } from '../problems.js';
import { CorruptArchiveError, type ReadAt, tarEntries } from './tar.js';
import { readZipEntry, zipEntries } from './zip.js';

export interface UploadLimits {
  maxImages: number;
  /** Bytes of the body as sent, and decompressed bytes of a whole archive: a zip bomb is refused before it is inflated. */
  maxBytes: number;
  /** Bytes of one image (the translate upload limit): no more than this is ever read into memory for one input. */
  maxImageBytes: number;
}

/** A received upload: its images, each read from disk when its batch is stored. Close it when done. */
export interface JobUpload {
  inputs: JobInput[];
  close(): Promise<void>;
}

/** The media type without parameters, lower case. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** The last part of an entry's path; Windows archivers separate with backslashes. */
export const entryBaseName = (name: string) => name.split(/[\\/]/).pop() ?? '';

// Archivers add these beside the real files; nobody means them as inputs.
const isClutter = (name: string) => /[\\/]$/.test(name) || name.startsWith('__MACOSX/') || entryBaseName(name).startsWith('.');

/** A header read fetches this much at once: walking ten thousand small directory records one system call each would be slow. */
const READ_AHEAD = 64 << 10;

/**
 * An upload's bytes on disk, in a temporary file unlinked as soon as it is open: its space is
 * freed when the handle closes, however the process ends, so nothing is ever left to clean up.
 */
class Spool {
  size = 0;
  private window = { offset: 0, bytes: new Uint8Array(0) };
  private closed = false;

  private constructor(private readonly file: FileHandle) {}

  static async create(dir: string): Promise<Spool> {
    await mkdir(dir, { recursive: true });
    const path = join(dir, `upload-${randomUUID()}`);
    const file = await open(path, 'w+');
    try {
      await unlink(path);
    } catch (error) {
      await file.close();
      throw error;
    }
    return new Spool(file);
  }

  async append(chunk: Uint8Array): Promise<void> {
    await this.file.write(chunk, 0, chunk.length, this.size);
    this.size += chunk.length;
  }

  /** Reads are sequential (a directory walk, then the inputs in order), so small ones share one read-ahead window. */
  read: ReadAt = async (offset, length) => {
    const window = this.window;
    if (offset >= window.offset && offset + length <= window.offset + window.bytes.length) {
      return window.bytes.subarray(offset - window.offset, offset - window.offset + length);
    }
    const wanted = Math.max(0, Math.min(Math.max(length, READ_AHEAD), this.size - offset));
    const bytes = new Uint8Array(wanted);
    const { bytesRead } = await this.file.read(bytes, 0, wanted, offset);
    if (length < READ_AHEAD) this.window = { offset, bytes: bytes.subarray(0, bytesRead) };
    return bytes.subarray(0, Math.min(length, bytesRead));
  };

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.file.close();
  }
}

/**
 * Receives the images of a bulk upload (a zip, a tar, or multipart with one or more `image`
 * fields) into a temporary file under `spoolDir`, with `limits` enforced while the body streams
 * in, and lists them without reading them: memory stays flat whatever the upload's size. Every
 * file counts as an input; one that is not a decodable image becomes a failure in the job's summary.
 */
export async function receiveJobUpload(request: Request, spoolDir: string, limits: UploadLimits): Promise<JobUpload> {
  const type = mediaType(request.headers.get('content-type') ?? undefined);
  const format =
    type === 'application/zip' || type === 'application/x-zip-compressed'
      ? 'zip'
      : type === 'application/x-tar' || type === 'application/tar'
        ? 'tar'
        : type === 'multipart/form-data'
          ? 'multipart form'
          : undefined;
  if (!format) {
    throw new Problem(
      'unsupported-media-type',
      `a job upload is application/zip, application/x-tar or multipart/form-data with 'image' fields, not '${type || 'no content type'}'`,
    );
  }
  const tooLarge = () => new Problem('payload-too-large', `a job upload may be at most ${limits.maxBytes} bytes`);
  if (Number(request.headers.get('content-length') ?? 0) > limits.maxBytes) throw tooLarge();
  const body = async function* () {
    let received = 0;
    for await (const chunk of (request.body ?? []) as AsyncIterable<Uint8Array>) {
      received += chunk.length;
      if (received > limits.maxBytes) throw tooLarge();
      yield chunk;
    }
  };
  const spool = await Spool.create(spoolDir);
  try {
    let inputs: JobInput[];
    if (format === 'multipart form') inputs = await spoolMultipart(request.headers, body(), spool, limits);
    else {
      for await (const chunk of body()) await spool.append(chunk);
      inputs =
        format === 'zip'
          ? await listArchive(format, zipEntries(spool.size, spool.read), limits, (entry) => () => readZipEntry(entry, spool.read))
          : await listArchive(format, tarEntries(spool.size, spool.read), limits, (entry) => () => spool.read(entry.offset, entry.size));
    }
    if (inputs.length === 0) throw new Problem('bad-request', 'the upload contains no files');
    return { inputs, close: () => spool.close() };
  } catch (error) {
    await spool.close();
    throw error instanceof CorruptArchiveError ? unreadable(format, error) : error;
  }
}

const unreadable = (format: string, error: Error) =>
  new Problem('bad-request', `the body is not a readable ${format}${format === 'multipart form' ? '' : ' archive'}: ${error.message}`);

/** An archive's files, listed from its directory (zip) or headers (tar) and checked against the limits before any is read. */
async function listArchive<T extends { name: string; size: number }>(
  format: 'zip' | 'tar',
  entries: AsyncIterable<T>,
  limits: UploadLimits,
  reader: (entry: T) => () => Promise<Uint8Array>,
): Promise<JobInput[]> {
  const inputs: JobInput[] = [];
  let inflated = 0;
  for await (const entry of entries) {
    if (isClutter(entry.name)) continue;
    inflated += entry.size;
    if (inflated > limits.maxBytes) throw new Problem('payload-too-large', `the archive inflates to more than ${limits.maxBytes} bytes`);
    checkImage(entry.name, entry.size, inputs.length, limits);
    const read = reader(entry);
    inputs.push({
      name: entry.name,
      size: entry.size,
      read: () =>
        read().catch((error: unknown) => {
          throw error instanceof CorruptArchiveError ? unreadable(format, error) : error;
        }),
    });
  }
  return inputs;
}

function checkImage(name: string, size: number, counted: number, limits: UploadLimits): void {
  if (counted >= limits.maxImages) throw new Problem('payload-too-large', `a job may have at most ${limits.maxImages} images; this upload has more`);
  if (size > limits.maxImageBytes) throw new Problem('payload-too-large', `'${name}' is ${size} bytes; one image may be at most ${limits.maxImageBytes}`);
}

/**
 * Parses a multipart body as it streams in, writing each `image` file into the spool and listing
 * it. Files are spooled one after another, in order, while the parser waits for each.
 */
async function spoolMultipart(headers: Headers, body: AsyncIterable<Uint8Array>, spool: Spool, limits: UploadLimits): Promise<JobInput[]> {
  const inputs: JobInput[] = [];
  let form: busboy.Busboy;
  try {
    form = busboy({ headers: Object.fromEntries(headers), preservePath: true, defParamCharset: 'utf8' });
  } catch (error) {
    throw new CorruptArchiveError((error as Error).message);
  }
  let failure: Error | undefined;
  const fail = (error: Error) => form.destroy((failure ??= error));
  let files = 0;
  let spooling = Promise.resolve();
  form.on('field', (name) => {
    if (name === 'image') fail(new Problem('bad-request', "every 'image' field must be a file upload"));
  });
  form.on('file', (name, stream, info) => {
    if (name !== 'image') return void stream.resume();
    const fileName = info.filename || `image-${files}`;
    files++;
    spooling = spooling.then(async () => {
      const offset = spool.size;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        if (spool.size + chunk.length - offset > limits.maxImageBytes) {
          throw new Problem('payload-too-large', `'${fileName}' is over ${limits.maxImageBytes} bytes; one image may be at most that`);
        }
        await spool.append(chunk);
      }
      if (isClutter(fileName)) return;
      const size = spool.size - offset;
      checkImage(fileName, size, inputs.length, limits);
      inputs.push({ name: fileName, size, read: () => spool.read(offset, size) });
    });
    spooling.catch(fail);
  });
  try {
    await pipeline(body, form);
  } catch (error) {
    // Anything but spooling's own failures and the body's (too large, cut off) is the parser's finding.
    if (error === failure || error instanceof Problem || !(error instanceof Error)) throw error;
    throw new CorruptArchiveError(error.message);
  }
  await spooling;
  return inputs;
}
