import { promisify } from 'node:util';
import { inflateRaw } from 'node:zlib';
import { CorruptArchiveError, type ReadAt } from './tar.js';

/**
 * Reading an uploaded zip archive where it lies (a file), by its central directory: the
 * directory is walked an entry at a time and an entry's data is read only when it is wanted, so
 * an archive is never in memory whole. Stored and deflated entries, zip64 included; deflate runs
 * on libuv's thread pool, off the event loop.
 */
export interface ZipEntry {
  name: string;
  /** Declared by the central directory; inflating to anything else is an error. */
  size: number;
  compressedSize: number;
  method: number;
  /** Of the entry's local header. */
  offset: number;
}

const inflate = promisify(inflateRaw);

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const EOCD64 = 0x06064b50;
const CENTRAL_HEADER = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
const ZIP64_EXTRA = 0x0001;
const SATURATED = 0xffffffff;
const UTF8_NAMES = 0x0800;
const ENCRYPTED = 0x0001;
const STORED = 0;
const DEFLATED = 8;

const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

function u64(data: DataView, at: number): number {
  const value = data.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new CorruptArchiveError('a zip64 size or offset is out of range');
  return Number(value);
}

async function readExactly(read: ReadAt, offset: number, length: number, what: string): Promise<Uint8Array> {
  const bytes = await read(offset, length);
  if (bytes.length < length) throw new CorruptArchiveError(`${what} at byte ${offset} is truncated`);
  return bytes;
}

/** Where the central directory lies and how many entries it has, from the end records. */
async function centralDirectory(length: number, read: ReadAt): Promise<{ offset: number; entries: number }> {
  const tailStart = Math.max(0, length - EOCD_SIZE - MAX_COMMENT);
  const tail = await read(tailStart, length - tailStart);
  const data = view(tail);
  let at = tail.length - EOCD_SIZE;
  while (at >= 0 && data.getUint32(at, true) !== EOCD) at--;
  if (at < 0) throw new CorruptArchiveError('no end of central directory record');
  let entries = data.getUint16(at + 10, true);
  let offset = data.getUint32(at + 16, true);
  const locator = at - 20;
  if (locator >= 0 && data.getUint32(locator, true) === EOCD64_LOCATOR) {
    const recordAt = u64(data, locator + 8);
    const record = view(await readExactly(read, recordAt, 56, 'the zip64 end of central directory record'));
    if (record.getUint32(0, true) !== EOCD64) throw new CorruptArchiveError('the zip64 end of central directory locator points at no record');
    entries = u64(record, 32);
    offset = u64(record, 48);
  }
  if (offset > length) throw new CorruptArchiveError('the central directory lies past the end of the archive');
  return { offset, entries };
}

/**
 * The entries of a zip archive of `length` bytes, one at a time as its central directory lists
 * them; throws on a corrupt or truncated archive.
 */
export async function* zipEntries(length: number, read: ReadAt): AsyncGenerator<ZipEntry> {
  const directory = await centralDirectory(length, read);
  let at = directory.offset;
  for (let i = 0; i < directory.entries; i++) {
    const header = view(await readExactly(read, at, 46, 'a central directory entry'));
    if (header.getUint32(0, true) !== CENTRAL_HEADER) throw new CorruptArchiveError(`central directory entry ${i} at byte ${at} has a bad signature`);
    const flags = header.getUint16(8, true);
    const method = header.getUint16(10, true);
    let compressedSize = header.getUint32(20, true);
    let size = header.getUint32(24, true);
    const nameLength = header.getUint16(28, true);
    const extraLength = header.getUint16(30, true);
    const commentLength = header.getUint16(32, true);
    let offset = header.getUint32(42, true);
    const variable = await readExactly(read, at + 46, nameLength + extraLength, 'a central directory entry');
    const rawName = variable.subarray(0, nameLength);
    const name = Buffer.from(rawName).toString(flags & UTF8_NAMES ? 'utf8' : 'latin1');
    if (size === SATURATED || compressedSize === SATURATED || offset === SATURATED) {
      // zip64: the saturated fields, in this order, are in the 0x0001 extra field.
      const extra = view(variable.subarray(nameLength));
      let found = false;
      for (let e = 0; e + 4 <= extra.byteLength; e += 4 + extra.getUint16(e + 2, true)) {
        if (extra.getUint16(e, true) !== ZIP64_EXTRA) continue;
        let field = e + 4;
        const next = () => {
          if (field + 8 > extra.byteLength) throw new CorruptArchiveError(`zip64 extra field of '${name}' is truncated`);
          return u64(extra, (field += 8) - 8);
        };
        if (size === SATURATED) size = next();
        if (compressedSize === SATURATED) compressedSize = next();
        if (offset === SATURATED) offset = next();
        found = true;
        break;
      }
      if (!found) throw new CorruptArchiveError(`'${name}' has saturated sizes but no zip64 extra field`);
    }
    if (flags & ENCRYPTED) throw new CorruptArchiveError(`'${name}' is encrypted`);
    if (method !== STORED && method !== DEFLATED) throw new CorruptArchiveError(`'${name}' uses compression method ${method}; only stored and deflated entries are read`);
    // What the limits count is `size`; the compressed bytes are read whole, so they must stay near
    // it (deflate never needs more than about a thousandth over, zlib's deflateBound).
    if (compressedSize > (method === STORED ? size : size + (size >> 10) + 64)) {
      throw new CorruptArchiveError(`'${name}' is ${compressedSize} bytes compressed but declares ${size} inflated`);
    }
    yield { name, size, compressedSize, method, offset };
    at += 46 + nameLength + extraLength + commentLength;
  }
}

/** An entry's bytes, inflated; throws when they are not what the central directory declared. */
export async function readZipEntry(entry: ZipEntry, read: ReadAt): Promise<Uint8Array> {
  const local = view(await readExactly(read, entry.offset, 30, `the local header of '${entry.name}'`));
  if (local.getUint32(0, true) !== LOCAL_HEADER) throw new CorruptArchiveError(`the local header of '${entry.name}' has a bad signature`);
  const dataStart = entry.offset + 30 + local.getUint16(26, true) + local.getUint16(28, true);
  const stored = await readExactly(read, dataStart, entry.compressedSize, `the data of '${entry.name}'`);
  // A lying entry cannot inflate past its declared size: that is what the upload limit counted.
  const bytes =
    entry.method === STORED
      ? stored
      : await inflate(stored, { maxOutputLength: Math.max(1, entry.size) }).catch((error: Error) => {
          throw new CorruptArchiveError(`'${entry.name}' does not inflate: ${error.message}`);
        });
  if (bytes.length !== entry.size) throw new CorruptArchiveError(`'${entry.name}' holds ${bytes.length} bytes, its directory entry says ${entry.size}`);
  return bytes;
}
