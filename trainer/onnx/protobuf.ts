/**
 * The few protobuf wire-format primitives the ONNX exporter needs. Nested messages are appended as
 * chunk lists rather than copied, so a model's weights are copied once, into the final buffer.
 */

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

/** Base-128 varint; negative numbers are their 64-bit two's complement (10 bytes), as int64 requires. */
export function encodeVarint(value: number | bigint): Uint8Array {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new RangeError(`varint needs an integer, got ${value}`);
  let rest = BigInt.asUintN(64, BigInt(value));
  const bytes: number[] = [];
  while (rest >= 0x80n) {
    bytes.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  bytes.push(Number(rest));
  return Uint8Array.from(bytes);
}

/** IEEE 754 single precision, little-endian whatever the host's byte order. */
export function encodeFloats(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return out;
}

const utf8 = new TextEncoder();

export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;

  get byteLength(): number {
    return this.size;
  }

  private push(bytes: Uint8Array): this {
    this.chunks.push(bytes);
    this.size += bytes.length;
    return this;
  }

  private tag(field: number, wire: number): this {
    return this.push(encodeVarint(field * 8 + wire));
  }

  /** int32, int64 and enum fields. */
  varint(field: number, value: number | bigint): this {
    return this.tag(field, WIRE_VARINT).push(encodeVarint(value));
  }

  float(field: number, value: number): this {
    return this.tag(field, WIRE_FIXED32).push(encodeFloats([value]));
  }

  bytes(field: number, value: Uint8Array): this {
    return this.tag(field, WIRE_LENGTH_DELIMITED).push(encodeVarint(value.length)).push(value);
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  message(field: number, value: ProtoWriter): this {
    this.tag(field, WIRE_LENGTH_DELIMITED).push(encodeVarint(value.size));
    for (const chunk of value.chunks) this.push(chunk);
    return this;
  }

  packedVarints(field: number, values: ReadonlyArray<number | bigint>): this {
    const body = new ProtoWriter();
    for (const v of values) body.push(encodeVarint(v));
    return this.message(field, body);
  }

  packedFloats(field: number, values: ArrayLike<number>): this {
    return this.bytes(field, encodeFloats(values));
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}
