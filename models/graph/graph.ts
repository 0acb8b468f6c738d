/** The graph under construction: inputs, initializers, nodes in topological order, outputs. */
import type { DType } from './dtype.ts';
import { check, formatShape } from './shape.ts';
import type { Attributes, InferFn, Node, Shape, TensorData, Value, ValueSource } from './value.ts';

type MutableValue = { -readonly [K in keyof Value]: Value[K] };

/** A graph being built; op functions append nodes through `node`, so node order is always topological. */
export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: Value[] = [];
  readonly outputs: Value[] = [];
  readonly initializers: Value[] = [];
  private readonly names = new Set<string>();
  private readonly counters = new Map<string, number>();
  private readonly owned = new WeakSet<Value>();

  constructor(readonly name = 'graph') {}

  /** Declares a graph input; dims may be numbers or symbolic names such as `N`. */
  input(name: string, dtype: DType, shape: Shape): Value {
    const v = this.newValue(this.claim(name), dtype, shape, 'input', null);
    this.inputs.push(v);
    return v;
  }

  /** Adds a named constant tensor (weights, tables) stored in the model as an initializer. */
  initializer(name: string, data: TensorData): Value {
    return this.addInitializer(this.claim(name), data);
  }

  /** Adds an anonymous constant (shapes, axes, scalars), named automatically. */
  constant(data: TensorData, hint = 'const'): Value {
    return this.addInitializer(this.fresh(hint), data);
  }

  /** Appends one node: checks the inputs belong here, runs shape inference, creates the outputs. */
  node(opType: string, inputs: readonly Value[], attributes: Attributes, infer: InferFn): Node {
    for (const v of inputs) check(this.owned.has(v), opType, `input ${v.name} belongs to another graph`);
    const types = infer(inputs, attributes);
    const outputs: MutableValue[] = types.map((t, i) =>
      this.newValue(this.fresh(types.length > 1 ? `${opType.toLowerCase()}${i}` : opType.toLowerCase()), t.dtype, t.shape, 'node', null),
    );
    const node: Node = Object.freeze({
      name: this.fresh(`${opType}_node`),
      opType,
      inputs: Object.freeze([...inputs]),
      outputs: Object.freeze([...outputs]),
      attributes: Object.freeze({ ...attributes }),
    });
    for (const o of outputs) o.producer = node;
    this.nodes.push(node);
    return node;
  }

  /** Appends a single-output node and returns its output. */
  op(opType: string, inputs: readonly Value[], attributes: Attributes, infer: InferFn): Value {
    const out = this.node(opType, inputs, attributes, infer).outputs;
    check(out.length === 1, opType, `expected one output, shape inference gave ${out.length}`);
    return out[0] as Value;
  }

  /** Marks a value as a graph output under the given name (renaming it, or through Identity when it is an input or initializer). */
  output(value: Value, name: string): Value {
    check(this.owned.has(value), 'output', `${value.name} belongs to another graph`);
    let v = value;
    if (v.source !== 'node' || this.outputs.includes(v)) {
      v = this.op('Identity', [v], {}, ([x]) => [{ dtype: (x as Value).dtype, shape: (x as Value).shape }]);
    }
    if (v.name !== name) {
      check(!this.names.has(name), 'output', `name ${name} is already used in the graph`);
      this.names.delete(v.name);
      this.names.add(name);
      v.name = name;
    }
    this.outputs.push(v);
    return v;
  }

  /** A short description of the graph's signature, for messages and logs. */
  describe(): string {
    const sig = (vs: Value[]): string => vs.map((v) => `${v.name}: ${v.dtype}${formatShape(v.shape)}`).join(', ');
    return `${this.name}(${sig(this.inputs)}) -> (${sig(this.outputs)}), ${this.nodes.length} nodes`;
  }

  private addInitializer(claimedName: string, data: TensorData): Value {
    const v = this.newValue(claimedName, data.dtype, data.dims, 'initializer', data);
    this.initializers.push(v);
    return v;
  }

  private newValue(name: string, dtype: DType, shape: Shape, source: ValueSource, constant: TensorData | null): MutableValue {
    const v: MutableValue = { name, dtype, shape: Object.freeze([...shape]), source, producer: null, constant };
    this.owned.add(v);
    return v;
  }

  private claim(name: string): string {
    check(name.length > 0 && !this.names.has(name), 'graph', `value name ${JSON.stringify(name)} is empty or already used`);
    this.names.add(name);
    return name;
  }

  private fresh(hint: string): string {
    let n = this.counters.get(hint) ?? 0;
    while (this.names.has(`${hint}_${n}`)) n++;
    this.counters.set(hint, n + 1);
    return this.claim(`${hint}_${n}`);
  }
}
