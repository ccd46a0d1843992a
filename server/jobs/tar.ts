/**
 * The POSIX ustar subset that bulk jobs need: finding the regular files (with pax and GNU long
 * names) of an uploaded archive, and writing a result archive entry by entry.
 */
const BLOCK = 512;

/** Where a regular file's data lies in its archive. */
export interface TarEntry {
  name: string;
  offset: number;
  size: number;
}

/** `length` bytes of an archive from `offset`; fewer only where the archive ends. */
export type ReadAt = (offset: number, length: number) => Promise<Uint8Array>;

/** The archive itself is malformed (the client's fault), as opposed to a failure reading it. */
export class CorruptArchiveError extends Error {
  override name = 'CorruptArchiveError';
}

const decoder = new TextDecoder();

function field(header: Uint8Array, offset: number, length: number): string {
  const raw = header.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return decoder.decode(end < 0 ? raw : raw.subarray(0, end));
}

function octal(header: Uint8Array, offset: number, length: number): number {
  const text = field(header, offset, length).trim();
  if (!/^[0-7]*$/.test(text)) throw new CorruptArchiveError(`bad octal field '${text}'`);
  return text === '' ? 0 : parseInt(text, 8);
}

/** The `path` record of a pax extended header, if any. */
function paxPath(data: Uint8Array): string | undefined {
  for (const record of decoder.decode(data).split('\n')) {
    const match = /^\d+ path=(.*)$/.exec(record);
    if (match) return match[1];
  }
  return undefined;
}

/** Long-name records are read whole; real ones are a path, a few hundred bytes. */
const MAX_NAME_RECORD = 64 << 10;

/**
 * The regular files of a tar archive of `length` bytes, one at a time, reading only its headers
 * (and long-name records) through `read`; throws on a truncated or corrupt archive.
 */
export async function* tarEntries(length: number, read: ReadAt): AsyncGenerator<TarEntry> {
  let offset = 0;
  let longName: string | undefined;
  while (offset + BLOCK <= length) {
    const header = await read(offset, BLOCK);
    if (header.every((byte) => byte === 0)) break;
    const checksum = octal(header, 148, 8);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
    if (sum !== checksum) throw new CorruptArchiveError(`tar header at byte ${offset} has a bad checksum`);
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156]!);
    const dataStart = offset + BLOCK;
    if (dataStart + size > length) throw new CorruptArchiveError(`tar entry at byte ${offset} is truncated`);
    const prefix = field(header, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    longName = undefined;
    if ((type === 'L' || type === 'x') && size > MAX_NAME_RECORD) throw new CorruptArchiveError(`tar entry at byte ${offset} has a ${size}-byte extended header`);
    if (type === 'L') longName = decoder.decode(await read(dataStart, size)).replace(/\0+$/, '');
    else if (type === 'x') longName = paxPath(await read(dataStart, size));
    else if (type === '0' || type === '\0') yield { name, offset: dataStart, size };
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
}

const encoder = new TextEncoder();

function writeField(header: Uint8Array, offset: number, length: number, value: string): void {
  header.set(encoder.encode(value).subarray(0, length), offset);
}

function writeOctal(header: Uint8Array, offset: number, length: number, value: number): void {
  writeField(header, offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
}

/** One ustar entry (header, data, padding); names up to 100 bytes, which result names stay within. */
export function tarEntry(name: string, data: Uint8Array, mtime: Date): Uint8Array {
  if (encoder.encode(name).length > 100) throw new RangeError(`tar entry name '${name}' exceeds 100 bytes`);
  const padded = Math.ceil(data.length / BLOCK) * BLOCK;
  const out = new Uint8Array(BLOCK + padded);
  const header = out.subarray(0, BLOCK);
  writeField(header, 0, 100, name);
  writeOctal(header, 100, 8, 0o644);
  writeOctal(header, 108, 8, 0);
  writeOctal(header, 116, 8, 0);
  writeOctal(header, 124, 12, data.length);
  writeOctal(header, 136, 12, Math.floor(mtime.getTime() / 1000));
  header.fill(32, 148, 156);
  header[156] = '0'.charCodeAt(0);
  writeField(header, 257, 6, 'ustar\0');
  writeField(header, 263, 2, '00');
  let sum = 0;
  for (const byte of header) sum += byte;
  writeField(header, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  out.set(data, BLOCK);
  return out;
}

/** The two zero blocks that end a tar archive. */
export const TAR_END = new Uint8Array(2 * BLOCK);
