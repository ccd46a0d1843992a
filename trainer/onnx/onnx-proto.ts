/**
 * The subset of onnx.proto (proto2, github.com/onnx/onnx onnx/onnx.proto) that a feed-forward
 * image network needs, as plain objects, and their encoding. Field numbers are the spec's.
 */
import { encodeFloats, ProtoWriter } from './protobuf.js';

/** TensorProto.DataType values used here. */
export const FLOAT = 1;
export const INT64 = 7;
export type ElementType = typeof FLOAT | typeof INT64;

export type Attribute =
  | { name: string; type: 'float'; value: number }
  | { name: string; type: 'int'; value: number }
  | { name: string; type: 'ints'; value: readonly number[] }
  | { name: string; type: 'string'; value: string };

export const attribute = {
  float: (name: string, value: number): Attribute => ({ name, type: 'float', value }),
  int: (name: string, value: number): Attribute => ({ name, type: 'int', value }),
  ints: (name: string, value: readonly number[]): Attribute => ({ name, type: 'ints', value }),
  string: (name: string, value: string): Attribute => ({ name, type: 'string', value }),
};

export interface OnnxNode {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: Attribute[];
}

export type OnnxTensor =
  | { name: string; dims: readonly number[]; type: typeof FLOAT; values: ArrayLike<number> }
  | { name: string; dims: readonly number[]; type: typeof INT64; values: readonly number[] };

/** A dimension: a size, a symbolic name shared by every dimension that carries it, or unknown. */
export type Dim = number | string | null;

export interface ValueInfo {
  name: string;
  type: ElementType;
  shape: readonly Dim[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  /** Version of the default ('ai.onnx') operator set. */
  opsetVersion: number;
  producerName: string;
  docString: string;
  graph: OnnxGraph;
  metadata: ReadonlyArray<readonly [string, string]>;
}

/** AttributeProto.AttributeType values. */
const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, ints: 7 } as const;

function encodeAttribute(a: Attribute): ProtoWriter {
  const w = new ProtoWriter().string(1, a.name).varint(20, ATTRIBUTE_TYPE[a.type]);
  switch (a.type) {
    case 'float':
      return w.float(2, a.value);
    case 'int':
      return w.varint(3, a.value);
    case 'string':
      return w.string(4, a.value);
    case 'ints':
      return w.packedVarints(8, a.value);
  }
}

function encodeNode(n: OnnxNode): ProtoWriter {
  const w = new ProtoWriter();
  for (const input of n.inputs) w.string(1, input);
  for (const output of n.outputs) w.string(2, output);
  w.string(3, n.name).string(4, n.opType);
  for (const a of n.attributes) w.message(5, encodeAttribute(a));
  return w;
}

function encodeTensor(t: OnnxTensor): ProtoWriter {
  const size = t.dims.reduce((a, d) => a * d, 1);
  if (size !== t.values.length) throw new RangeError(`tensor '${t.name}' has ${t.values.length} values for dims [${t.dims}]`);
  const w = new ProtoWriter().packedVarints(1, t.dims).varint(2, t.type).string(8, t.name);
  // Floats as raw little-endian bytes (field 9); int64s packed (field 7), which is shorter for small ints.
  return t.type === FLOAT ? w.bytes(9, encodeFloats(t.values)) : w.packedVarints(7, t.values);
}

function encodeValueInfo(v: ValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.shape) {
    const dim = new ProtoWriter();
    if (typeof d === 'number') dim.varint(1, d);
    else if (typeof d === 'string') dim.string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter().varint(1, v.type).message(2, shape);
  return new ProtoWriter().string(1, v.name).message(2, new ProtoWriter().message(1, tensorType));
}

function encodeGraph(g: OnnxGraph): ProtoWriter {
  const w = new ProtoWriter();
  for (const n of g.nodes) w.message(1, encodeNode(n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, encodeTensor(t));
  for (const v of g.inputs) w.message(11, encodeValueInfo(v));
  for (const v of g.outputs) w.message(12, encodeValueInfo(v));
  return w;
}

export function encodeModel(m: OnnxModel): Uint8Array {
  const w = new ProtoWriter().varint(1, m.irVersion).string(2, m.producerName).string(6, m.docString);
  w.message(7, encodeGraph(m.graph));
  w.message(8, new ProtoWriter().string(1, '').varint(2, m.opsetVersion));
  for (const [key, value] of m.metadata) w.message(14, new ProtoWriter().string(1, key).string(2, value));
  return w.finish();
}
