import { FLOAT, INT64, type Attribute, type OnnxNode, type OnnxTensor } from './onnx-proto.js';

/**
 * Collects the nodes and initializers of one ONNX graph. Every node has one output, named like
 * the node, so a tensor's name says which layer made it.
 */
export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly names = new Set<string>();

  constructor(reserved: readonly string[]) {
    for (const name of reserved) this.names.add(name);
  }

  private unique(base: string): string {
    let name = base;
    for (let i = 2; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  /** Initializers keep their exact names (weight keys), so a clash is an error, not a rename. */
  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`ONNX value name '${name}' is used twice`);
    this.names.add(name);
    return name;
  }

  /** Adds a node; returns the name of its output. */
  node(opType: string, base: string, inputs: string[], attributes: Attribute[] = []): string {
    const name = this.unique(base);
    this.nodes.push({ opType, name, inputs, outputs: [name], attributes });
    return name;
  }

  floats(name: string, dims: readonly number[], values: ArrayLike<number>): string {
    this.initializers.push({ name: this.claim(name), dims, type: FLOAT, values });
    return name;
  }

  /** Small constants (pads, scales) are shared: the same name and values give the same initializer. */
  constant(name: string, type: typeof FLOAT | typeof INT64, dims: readonly number[], values: readonly number[]): string {
    const existing = this.initializers.find((t) => t.name === name);
    if (!existing) {
      this.initializers.push({ name: this.claim(name), dims, type, values } as OnnxTensor);
    } else if (existing.type !== type || existing.values.length !== values.length || values.some((v, i) => existing.values[i] !== v)) {
      throw new Error(`constant '${name}' redefined with other values`);
    }
    return name;
  }

  /**
   * Renames `tensor` to the graph-output name `name`. Nodes are added in topological order, so the
   * last node's output has no consumer and can be renamed in place.
   */
  nameOutput(tensor: string, name: string): void {
    const last = this.nodes.at(-1);
    if (last?.outputs[0] !== tensor) throw new Error(`'${tensor}' is not the output of the last node`);
    last.outputs = [name];
  }
}
