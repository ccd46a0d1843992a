import { IR_VERSION, OPSET_VERSION } from '../../../onnx/export-onnx.js';
import type { GraphBuilder } from '../../../onnx/graph-builder.js';
import { encodeModel, FLOAT, type Dim } from '../../../onnx/onnx-proto.js';

/** Fixed sizes, or a symbolic name for a size known only at run time. */
type Shape = readonly Dim[];

/**
 * The ONNX model of one kernel: float32 inputs and outputs of the given shapes. `outputs` maps each
 * graph-output name to the node output that provides it, which is renamed, with its uses.
 */
export function kernelModel(graph: GraphBuilder, inputs: Record<string, Shape>, outputs: Record<string, [string, Shape]>): Uint8Array {
  for (const [name, [tensor]] of Object.entries(outputs)) {
    const node = graph.nodes.find((n) => n.outputs[0] === tensor);
    if (!node) throw new Error(`no node computes '${tensor}'`);
    node.outputs = [name];
    for (const user of graph.nodes) user.inputs = user.inputs.map((input) => (input === tensor ? name : input));
  }
  return encodeModel({
    irVersion: IR_VERSION,
    opsetVersion: OPSET_VERSION,
    producerName: 'faceaug-kernels',
    docString: '',
    metadata: [],
    graph: {
      name: Object.keys(outputs).join('_'),
      nodes: graph.nodes,
      initializers: graph.initializers,
      inputs: Object.entries(inputs).map(([name, shape]) => ({ name, type: FLOAT, shape })),
      outputs: Object.entries(outputs).map(([name, [, shape]]) => ({ name, type: FLOAT, shape })),
    },
  });
}
