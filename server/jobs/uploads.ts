import { unzipSync } from 'fflate';
import type { JobInput } from '../../db/jobs.js';
import { Problem } from '../problems.js';
import { readTar } from './tar.js';

export interface UploadLimits {
  maxImages: number;
  /** Decompressed bytes of a whole archive: a zip bomb is refused before it is inflated. */
  maxBytes: number;
}

/** The media type without parameters, lower case. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** The last part of an entry's path; Windows archivers separate with backslashes. */
export const entryBaseName = (name: string) => name.split(/[\\/]/).pop() ?? '';

// Archivers add these beside the real files; nobody means them as inputs.
const isClutter = (name: string) => /[\\/]$/.test(name) || name.startsWith('__MACOSX/') || entryBaseName(name).startsWith('.');

/**
 * The images of a bulk upload: a zip, a tar, or multipart with one or more `image` fields. Every
 * file counts as an input; one that is not a decodable image becomes a failure in the job's summary.
 */
export async function readJobUpload(request: Request, limits: UploadLimits): Promise<JobInput[]> {
  const type = mediaType(request.headers.get('content-type') ?? undefined);
  let files: JobInput[];
  if (type === 'application/zip' || type === 'application/x-zip-compressed') files = unzip(new Uint8Array(await request.arrayBuffer()), limits);
  else if (type === 'application/x-tar' || type === 'application/tar') files = untar(new Uint8Array(await request.arrayBuffer()));
  else if (type === 'multipart/form-data') files = await multipartImages(request);
  else {
    throw new Problem(
      'unsupported-media-type',
      `a job upload is application/zip, application/x-tar or multipart/form-data with 'image' fields, not '${type || 'no content type'}'`,
    );
  }
  files = files.filter((file) => !isClutter(file.name));
  if (files.length === 0) throw new Problem('bad-request', 'the upload contains no files');
  if (files.length > limits.maxImages) throw new Problem('payload-too-large', `a job may have at most ${limits.maxImages} images, this upload has ${files.length}`);
  return files;
}

function unzip(archive: Uint8Array, limits: UploadLimits): JobInput[] {
  let declared = 0;
  let count = 0;
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(archive, {
      filter: (file) => {
        if (isClutter(file.name)) return false;
        declared += file.originalSize;
        count++;
        if (declared > limits.maxBytes) throw new Problem('payload-too-large', `the archive inflates to more than ${limits.maxBytes} bytes`);
        if (count > limits.maxImages) throw new Problem('payload-too-large', `a job may have at most ${limits.maxImages} images`);
        return true;
      },
    });
  } catch (error) {
    if (error instanceof Problem) throw error;
    throw new Problem('bad-request', `the body is not a readable zip archive: ${error instanceof Error ? error.message : String(error)}`);
  }
  return Object.entries(entries).map(([name, bytes]) => ({ name, bytes }));
}

function untar(archive: Uint8Array): JobInput[] {
  try {
    return readTar(archive);
  } catch (error) {
    throw new Problem('bad-request', `the body is not a readable tar archive: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function multipartImages(request: Request): Promise<JobInput[]> {
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    throw new Problem('bad-request', 'the multipart body cannot be parsed');
  }
  const fields = form.getAll('image');
  if (fields.some((field) => typeof field === 'string')) throw new Problem('bad-request', "every 'image' field must be a file upload");
  return Promise.all(
    (fields as File[]).map(async (file, i) => ({ name: file.name || `image-${i}`, bytes: new Uint8Array(await file.arrayBuffer()) })),
  );
}
