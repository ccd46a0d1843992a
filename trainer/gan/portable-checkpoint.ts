import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { fromBfloat16, fromFloat16, toBfloat16, toFloat16 } from '../networks/half-precision.js';
import { stateFromTensors, stateTensors, type Checkpoint } from './checkpoint.js';
import type { LossRow } from './loss-history.js';
import type { TrainOptions } from './options.js';

/**
 * A checkpoint small enough to commit beside a translator (about 9 MB at the cpu preset, against
 * 21 MB for the exact one), so that training can go on in a later session on another machine.
 * Weights are stored as float16 and Adam's moments as bfloat16 (its squared gradients underflow
 * float16); image pools are left out and refill within a few steps. A resumed run therefore
 * continues from weights within 2^-11 of the originals rather than bit-identically, which the
 * exact local checkpoint (`--resume <run>`) still does.
 */
export interface DataReference {
  /** The data set (first 16 hex digits of its source file's sha256) and the filtered version trained on. */
  datasetId: string;
  versionId: string;
  /** Filter steps from the data set to the version, oldest first, to say how to rebuild it. */
  chain: Array<{ id: string; method: string; params: Record<string, unknown> }>;
}

export interface PortableCheckpoint {
  checkpoint: Checkpoint;
  data: DataReference;
}

type Encoding = 'float16' | 'bfloat16' | 'float32';

interface Header {
  format: 'faceaug-portable-checkpoint/1';
  options: TrainOptions;
  globalStep: number;
  epoch: number;
  stepInEpoch: number;
  history: LossRow[];
  data: DataReference;
  optimizerNames: Record<'generator' | 'discriminator', string[]>;
  tensors: Array<{ name: string; shape: number[]; encoding: Encoding }>;
}

const MAGIC = Buffer.from('FAPORT01');

function encodeValues(values: Float32Array, encoding: Encoding): Buffer {
  const array = encoding === 'float32' ? values : encoding === 'float16' ? toFloat16(values) : toBfloat16(values);
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

function decodeValues(bytes: Buffer, count: number, encoding: Encoding): Float32Array {
  const width = encoding === 'float32' ? 4 : 2;
  const copy = new Uint8Array(count * width);
  copy.set(bytes.subarray(0, count * width));
  if (encoding === 'float32') return new Float32Array(copy.buffer);
  const half = new Uint16Array(copy.buffer);
  return encoding === 'float16' ? fromFloat16(half) : fromBfloat16(half);
}

/** Loss rows at 5 significant digits: the history is for plots, and it is most of the JSON. */
const roundHistory = (rows: LossRow[]) =>
  rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number((v as number).toPrecision(5))])) as unknown as LossRow);

export function encodePortable({ checkpoint, data }: PortableCheckpoint): Buffer {
  const { state } = checkpoint;
  const entries = stateTensors(state).map(({ optimizer, ...tensor }) => ({
    ...tensor,
    // Scalars (the step count, Adam's beta powers) stay exact.
    encoding: (!optimizer ? 'float16' : tensor.values.length === 1 ? 'float32' : 'bfloat16') as Encoding,
  }));
  const header: Header = {
    format: 'faceaug-portable-checkpoint/1',
    options: checkpoint.options,
    globalStep: checkpoint.globalStep,
    epoch: checkpoint.epoch,
    stepInEpoch: checkpoint.stepInEpoch,
    history: roundHistory(checkpoint.history),
    data,
    optimizerNames: { generator: state.optimizers.generator.map((w) => w.name), discriminator: state.optimizers.discriminator.map((w) => w.name) },
    tensors: entries.map(({ name, shape, encoding }) => ({ name, shape, encoding })),
  };
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  return gzipSync(Buffer.concat([MAGIC, length, json, ...entries.map((e) => encodeValues(e.values, e.encoding))]), { level: 9 });
}

export function decodePortable(bytes: Uint8Array): PortableCheckpoint {
  let raw: Buffer;
  try {
    raw = gunzipSync(bytes);
  } catch {
    throw new Error('not a faceaug portable checkpoint (not gzip)');
  }
  if (!raw.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not a faceaug portable checkpoint (bad magic)');
  const length = raw.readUInt32LE(MAGIC.length);
  const header = JSON.parse(raw.subarray(MAGIC.length + 4, MAGIC.length + 4 + length).toString('utf8')) as Header;
  if (header.format !== 'faceaug-portable-checkpoint/1') throw new Error(`unsupported portable checkpoint format ${String(header.format)}`);
  let offset = MAGIC.length + 4 + length;
  const tensors = new Map(
    header.tensors.map(({ name, shape, encoding }) => {
      const count = shape.reduce((a, b) => a * b, 1);
      const size = count * (encoding === 'float32' ? 4 : 2);
      if (offset + size > raw.length) throw new Error(`portable checkpoint truncated at ${name}`);
      const values = decodeValues(raw.subarray(offset, offset + size), count, encoding);
      offset += size;
      return [name, { shape, values }] as const;
    }),
  );
  return {
    data: header.data,
    checkpoint: {
      options: header.options,
      globalStep: header.globalStep,
      epoch: header.epoch,
      stepInEpoch: header.stepInEpoch,
      history: header.history,
      state: stateFromTensors(tensors, header.optimizerNames),
      pools: [],
    },
  };
}

/** Written beside the target and renamed into place, so an interrupted write never leaves half a file. */
export async function savePortable(path: string, portable: PortableCheckpoint): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(`${path}.tmp`, encodePortable(portable));
  await rename(`${path}.tmp`, path);
}

export async function loadPortable(path: string): Promise<PortableCheckpoint> {
  const bytes = await readFile(path).catch(() => {
    throw new Error(`no portable checkpoint at ${path}`);
  });
  return decodePortable(bytes);
}
