/**
 * A small ONNX graph builder: enough of the ONNX protobuf (ModelProto,
 * GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto) to
 * write the few fused kernels tiny-vlm runs on ONNX Runtime. Dimensions may
 * be symbolic ("T", "S"), so one session serves every batch shape. Opset 17.
 */

/** Protobuf wire-format writer (varints, length-delimited fields, fixed32 floats). */
class Proto {
  readonly bytes: number[] = [];

  varint(value: number | bigint): this {
    let n = BigInt(value);
    if (n < 0n) n += 1n << 64n;
    while (n >= 0x80n) {
      this.bytes.push(Number(n & 0x7fn) | 0x80);
      n >>= 7n;
    }
    this.bytes.push(Number(n));
    return this;
  }

  int(field: number, value: number): this {
    return this.varint(field << 3).varint(value);
  }

  float(field: number, value: number): this {
    this.varint((field << 3) | 5);
    this.bytes.push(...new Uint8Array(Float32Array.of(value).buffer));
    return this;
  }

  raw(field: number, data: Uint8Array): this {
    this.varint((field << 3) | 2).varint(data.length);
    for (const b of data) this.bytes.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.raw(field, new TextEncoder().encode(s));
  }

  message(field: number, m: Proto): this {
    return this.raw(field, Uint8Array.from(m.bytes));
  }
}

export type Dim = number | string;
export type Attribute = number | number[];

const FLOAT = 1;
const INT64 = 7;

function valueInfo(name: string, dims: Dim[], type: number): Proto {
  const shape = new Proto();
  for (const d of dims) shape.message(1, typeof d === 'number' ? new Proto().int(1, d) : new Proto().string(2, d));
  const tensor = new Proto().int(1, type).message(2, shape);
  return new Proto().string(1, name).message(2, new Proto().message(1, tensor));
}

function attribute(name: string, value: Attribute): Proto {
  const a = new Proto().string(1, name);
  if (typeof value === 'number') return a.int(3, value).int(20, 2);
  for (const v of value) a.int(8, v);
  return a.int(20, 7);
}

/**
 * Nodes are added in order; each method returns the name of its output, so
 * graphs read like the math: `g.matmul(g.softmax(s), v)`.
 */
export class Graph {
  /** Nodes, written out by `toBytes` (value names resolved through `renamed` then). */
  private readonly nodes: { inputs: string[]; outputs: string[]; rest: (n: Proto) => void }[] = [];
  /** Values that became graph outputs under another name. */
  private readonly renamed = new Map<string, string>();
  private readonly inputs: Proto[] = [];
  private readonly outputs: Proto[] = [];
  private count = 0;

  input(name: string, dims: Dim[], type: 'float' | 'int64' = 'float'): string {
    this.inputs.push(valueInfo(name, dims, type === 'float' ? FLOAT : INT64));
    return name;
  }

  /** Name a value as a graph output: the node computing it writes it there (no copy), unless it is an input or already an output. */
  output(value: string, name: string, dims: Dim[]): void {
    const producer = this.nodes.find((n) => n.outputs.includes(value));
    if (producer && !this.renamed.has(value)) this.renamed.set(value, name);
    else this.node('Identity', [value], {}, [name]);
    this.outputs.push(valueInfo(name, dims, FLOAT));
  }

  node(op: string, inputs: string[], attrs: Record<string, Attribute> = {}, outputs = [`v${this.count++}`]): string {
    this.nodes.push({
      inputs,
      outputs,
      rest: (n) => {
        n.string(4, op);
        for (const [k, v] of Object.entries(attrs)) n.message(5, attribute(k, v));
      },
    });
    return outputs[0]!;
  }

  /** A node with several outputs. */
  multi(op: string, inputs: string[], count: number, attrs: Record<string, Attribute> = {}): string[] {
    const outputs = Array.from({ length: count }, () => `v${this.count++}`);
    this.node(op, inputs, attrs, outputs);
    return outputs;
  }

  /** A constant int64 vector (shapes, axes, perms). */
  ints(values: number[]): string {
    const t = new Proto().int(1, values.length).int(2, INT64);
    for (const v of values) t.int(7, v);
    return this.constant(t);
  }

  /** A constant float scalar. */
  scalar(value: number): string {
    return this.constant(new Proto().int(2, FLOAT).float(4, value));
  }

  private constant(tensor: Proto): string {
    const out = `c${this.count++}`;
    this.nodes.push({ inputs: [], outputs: [out], rest: (n) => n.string(4, 'Constant').message(5, new Proto().string(1, 'value').message(5, tensor).int(20, 4)) });
    return out;
  }

  // -- the ops the kernels use ---------------------------------------------------

  matmul = (a: string, b: string) => this.node('MatMul', [a, b]);
  add = (a: string, b: string) => this.node('Add', [a, b]);
  sub = (a: string, b: string) => this.node('Sub', [a, b]);
  mul = (a: string, b: string) => this.node('Mul', [a, b]);
  softmax = (x: string) => this.node('Softmax', [x], { axis: -1 });
  transpose = (x: string, perm: number[]) => this.node('Transpose', [x], { perm });
  reshape = (x: string, shape: number[]) => this.node('Reshape', [x, this.ints(shape)]);
  concat = (xs: string[], axis: number) => this.node('Concat', xs, { axis });
  /** Sum over the last axis, kept as size 1. */
  rowSum = (x: string) => this.node('ReduceSum', [x, this.ints([-1])], { keepdims: 1 });
  /** Entry `index` of axis `axis` (the axis dropped). */
  pick = (x: string, index: number, axis: number) => this.node('Gather', [x, this.constant(new Proto().int(2, INT64).int(7, index))], { axis });

  toBytes(): Uint8Array {
    const graph = new Proto();
    const name = (v: string) => this.renamed.get(v) ?? v;
    for (const { inputs, outputs, rest } of this.nodes) {
      const n = new Proto();
      for (const i of inputs) n.string(1, name(i));
      for (const o of outputs) n.string(2, name(o));
      rest(n);
      graph.message(1, n);
    }
    graph.string(2, 'tiny-vlm');
    for (const i of this.inputs) graph.message(11, i);
    for (const o of this.outputs) graph.message(12, o);
    const model = new Proto()
      .int(1, 8)
      .message(8, new Proto().string(1, '').int(2, 17))
      .string(2, 'spatial-ladder')
      .message(7, graph);
    return Uint8Array.from(model.bytes);
  }
}
