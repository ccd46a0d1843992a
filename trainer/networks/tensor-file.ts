/**
 * One self-describing binary for named float32 tensors plus JSON metadata: checkpoints and the
 * registry's `tfjs` artifacts both use it. Layout: the magic "FACEAUG1", a little-endian u32
 * header length, the UTF-8 JSON header, zero padding to a 4-byte boundary, then every tensor's
 * float32 values (little-endian) in header order.
 */
import type { NamedWeights } from '../../core/networks/weights.js';

export interface NamedTensor {
  name: string;
  shape: number[];
  values: Float32Array;
}

interface Header<Meta> {
  meta: Meta;
  tensors: Array<{ name: string; shape: number[] }>;
}

const MAGIC = Buffer.from('FACEAUG1');

export function packTensors<Meta>(tensors: NamedTensor[], meta: Meta): Buffer {
  const header: Header<Meta> = { meta, tensors: tensors.map(({ name, shape }) => ({ name, shape })) };
  const json = Buffer.from(JSON.stringify(header));
  const start = MAGIC.length + 4 + json.length;
  const padded = Math.ceil(start / 4) * 4;
  const floats = tensors.reduce((n, t) => n + t.values.length, 0);
  const out = Buffer.alloc(padded + floats * 4);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(json.length, MAGIC.length);
  json.copy(out, MAGIC.length + 4);
  let offset = padded;
  for (const t of tensors) {
    const expected = t.shape.reduce((a, b) => a * b, 1);
    if (expected !== t.values.length) throw new RangeError(`tensor ${t.name}: ${t.values.length} values for shape [${t.shape}]`);
    Buffer.from(t.values.buffer, t.values.byteOffset, t.values.byteLength).copy(out, offset);
    offset += t.values.byteLength;
  }
  return out;
}

export function unpackTensors<Meta>(bytes: Uint8Array): { meta: Meta; tensors: NamedTensor[] } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < MAGIC.length + 4 || !buffer.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new Error('not a faceaug tensor file (bad magic)');
  }
  const length = buffer.readUInt32LE(MAGIC.length);
  const header = JSON.parse(buffer.subarray(MAGIC.length + 4, MAGIC.length + 4 + length).toString('utf8')) as Header<Meta>;
  let offset = Math.ceil((MAGIC.length + 4 + length) / 4) * 4;
  const tensors = header.tensors.map(({ name, shape }) => {
    const count = shape.reduce((a, b) => a * b, 1);
    if (offset + count * 4 > buffer.length) throw new Error(`tensor file truncated at ${name}`);
    // Copy into an aligned buffer: the file's bytes may sit at any offset of a pooled Buffer.
    const values = new Float32Array(count);
    new Uint8Array(values.buffer).set(buffer.subarray(offset, offset + count * 4));
    offset += count * 4;
    return { name, shape, values };
  });
  return { meta: header.meta, tensors };
}

/** A network's weights as the file's list of named tensors (sharing their values). */
export function weightsToTensors(weights: NamedWeights): NamedTensor[] {
  return [...weights].map(([name, { shape, values }]) => ({ name, shape, values }));
}

/** The file's named tensors as a network's weights (sharing their values). */
export function tensorsToWeights(tensors: readonly NamedTensor[]): NamedWeights {
  return new Map(tensors.map(({ name, shape, values }) => [name, { shape, values }]));
}
