// Reads a downloaded zip in the browser, by its central directory, to show a job's first results.
// Outputs are stored as they are; the JSON files are deflated, which DecompressionStream undoes.

const EOCD = 0x06054b50;
const CENTRAL_HEADER = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const SATURATED = 0xffffffff;

/** The archive's entries in order: `{ name, bytes() }`, where bytes() resolves to the entry's contents. */
export async function zipEntries(blob) {
  const buffer = await blob.arrayBuffer();
  const data = new DataView(buffer);
  let end = buffer.byteLength - 22;
  while (end >= 0 && data.getUint32(end, true) !== EOCD) end--;
  if (end < 0) throw new Error('the download is not a zip archive');
  const count = data.getUint16(end + 10, true);
  let at = data.getUint32(end + 16, true);
  if (at === SATURATED) throw new Error('the archive is too large to preview here; open the downloaded file instead');
  const decoder = new TextDecoder();
  const entries = [];
  for (let n = 0; n < count; n++) {
    if (data.getUint32(at, true) !== CENTRAL_HEADER) throw new Error('the zip central directory is damaged');
    const method = data.getUint16(at + 10, true);
    const compressedSize = data.getUint32(at + 20, true);
    const nameLength = data.getUint16(at + 28, true);
    const extraLength = data.getUint16(at + 30, true);
    const commentLength = data.getUint16(at + 32, true);
    const local = data.getUint32(at + 42, true);
    const name = decoder.decode(new Uint8Array(buffer, at + 46, nameLength));
    at += 46 + nameLength + extraLength + commentLength;
    entries.push({ name, bytes: () => entryBytes(buffer, data, local, method, compressedSize, name) });
  }
  return entries;
}

async function entryBytes(buffer, data, local, method, compressedSize, name) {
  if (data.getUint32(local, true) !== LOCAL_HEADER) throw new Error(`the zip entry ${name} is damaged`);
  const start = local + 30 + data.getUint16(local + 26, true) + data.getUint16(local + 28, true);
  const raw = new Uint8Array(buffer, start, compressedSize);
  if (method === 0) return raw;
  if (method !== 8) throw new Error(`the zip entry ${name} uses compression method ${method}`);
  const inflated = new Blob([raw]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(inflated).arrayBuffer());
}
