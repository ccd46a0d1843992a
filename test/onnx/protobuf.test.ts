import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFloats, encodeVarint, ProtoWriter } from '../../trainer/onnx/protobuf.js';
import { attribute, encodeModel, FLOAT } from '../../trainer/onnx/onnx-proto.js';

const bytes = (...values: number[]) => Uint8Array.from(values);

test('varints: base 128, little end first; negative int64 as 10-byte two complement', () => {
  assert.deepEqual(encodeVarint(0), bytes(0x00));
  assert.deepEqual(encodeVarint(127), bytes(0x7f));
  assert.deepEqual(encodeVarint(128), bytes(0x80, 0x01));
  assert.deepEqual(encodeVarint(300), bytes(0xac, 0x02));
  assert.deepEqual(encodeVarint(2 ** 32), bytes(0x80, 0x80, 0x80, 0x80, 0x10));
  assert.deepEqual(encodeVarint(-1), bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01));
  assert.throws(() => encodeVarint(1.5), RangeError);
});

test('floats are IEEE 754 single precision, little-endian', () => {
  assert.deepEqual(encodeFloats([1, -2, 0.5]), bytes(0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x3f));
});

test('fields match the protobuf encoding guide examples', () => {
  assert.deepEqual(new ProtoWriter().varint(1, 150).finish(), bytes(0x08, 0x96, 0x01));
  assert.deepEqual(new ProtoWriter().string(2, 'testing').finish(), bytes(0x12, 0x07, ...new TextEncoder().encode('testing')));
  assert.deepEqual(new ProtoWriter().message(3, new ProtoWriter().varint(1, 150)).finish(), bytes(0x1a, 0x03, 0x08, 0x96, 0x01));
  assert.deepEqual(new ProtoWriter().packedVarints(4, [3, 270, 86942]).finish(), bytes(0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05));
  assert.deepEqual(new ProtoWriter().packedFloats(4, [1, -2]).finish(), bytes(0x22, 0x08, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0));
  assert.deepEqual(new ProtoWriter().float(2, 1).finish(), bytes(0x15, 0x00, 0x00, 0x80, 0x3f));
  assert.deepEqual(new ProtoWriter().bytes(1, new Uint8Array(0)).finish(), bytes(0x0a, 0x00));
});

test('an ONNX model with one node encodes to the expected bytes', () => {
  const model = encodeModel({
    irVersion: 8,
    opsetVersion: 17,
    producerName: 'p',
    docString: '',
    graph: {
      name: 'g',
      nodes: [{ opType: 'Relu', name: 'r', inputs: ['x'], outputs: ['y'], attributes: [attribute.int('axis', 1)] }],
      initializers: [],
      inputs: [{ name: 'x', type: FLOAT, shape: ['N', 2] }],
      outputs: [],
    },
    metadata: [['k', 'v']],
  });
  const s = (text: string) => [...new TextEncoder().encode(text)];
  // AttributeProto: name (1), type (20) INT = 2, i (3).
  const attr = [0x0a, 0x04, ...s('axis'), 0xa0, 0x01, 0x02, 0x18, 0x01];
  // NodeProto: input (1), output (2), name (3), op_type (4), attribute (5).
  const node = [0x0a, 0x01, ...s('x'), 0x12, 0x01, ...s('y'), 0x1a, 0x01, ...s('r'), 0x22, 0x04, ...s('Relu'), 0x2a, attr.length, ...attr];
  // TensorShapeProto dims: dim_param 'N' (2), dim_value 2 (1); TypeProto.tensor_type (1) with elem_type FLOAT (1).
  const shape = [0x0a, 0x03, 0x12, 0x01, ...s('N'), 0x0a, 0x02, 0x08, 0x02];
  const tensorType = [0x08, 0x01, 0x12, shape.length, ...shape];
  const valueInfo = [0x0a, 0x01, ...s('x'), 0x12, tensorType.length + 2, 0x0a, tensorType.length, ...tensorType];
  // GraphProto: node (1), name (2), input (11).
  const graph = [0x0a, node.length, ...node, 0x12, 0x01, ...s('g'), 0x5a, valueInfo.length, ...valueInfo];
  const expected = [
    ...[0x08, 0x08], // ir_version (1)
    ...[0x12, 0x01, ...s('p')], // producer_name (2)
    ...[0x32, 0x00], // doc_string (6)
    ...[0x3a, graph.length, ...graph], // graph (7)
    ...[0x42, 0x04, 0x0a, 0x00, 0x10, 0x11], // opset_import (8): domain '', version 17
    ...[0x72, 0x06, 0x0a, 0x01, ...s('k'), 0x12, 0x01, ...s('v')], // metadata_props (14)
  ];
  assert.deepEqual(model, Uint8Array.from(expected));
});
