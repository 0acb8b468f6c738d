/** Graph values (typed symbolic tensors), constant tensor data, and nodes as plain data. */
import type { DType, TensorArray } from './dtype.ts';

/** One dimension: a known size or a symbolic name / expression such as `N` or `H*2`. */
export type Dim = number | string;

/** A tensor shape; an empty array is a scalar. */
export type Shape = readonly Dim[];

/** Constant tensor contents with static dims. */
export interface TensorData {
  dtype: DType;
  dims: readonly number[];
  data: TensorArray;
}

/** An attribute value, tagged with its ONNX attribute type. */
export type Attribute =
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'string'; value: string }
  | { type: 'ints'; value: readonly number[] }
  | { type: 'floats'; value: readonly number[] }
  | { type: 'strings'; value: readonly string[] }
  | { type: 'tensor'; value: TensorData };

/** A node's attributes by name. */
export type Attributes = Readonly<Record<string, Attribute>>;

/** What a value is: produced by a node, fed as a graph input, or a constant initializer. */
export type ValueSource = 'node' | 'input' | 'initializer';

/** A tensor in the graph: element type, shape, where it comes from. */
export interface Value {
  /** Unique within its graph; may be renamed when marked as a graph output. */
  name: string;
  readonly dtype: DType;
  readonly shape: Shape;
  readonly source: ValueSource;
  /** The node that computes this value (null for inputs and initializers). */
  readonly producer: Node | null;
  /** Contents, for initializers only. */
  readonly constant: TensorData | null;
}

/** One operator application, stored as plain data so passes (autodiff, export) can walk it. */
export interface Node {
  readonly name: string;
  readonly opType: string;
  readonly inputs: readonly Value[];
  readonly outputs: readonly Value[];
  readonly attributes: Attributes;
}

/** The dtype and shape an op's shape inference computes for one output. */
export interface ValueType {
  dtype: DType;
  shape: Shape;
}

/** Computes output types from input values and attributes; throws ShapeError when the inputs do not fit. */
export type InferFn = (inputs: readonly Value[], attributes: Attributes) => ValueType[];

/** Builds tagged attribute values: `attr.int(1)`, `attr.floats([0.5])`. */
export const attr = Object.freeze({
  int: (value: number): Attribute => ({ type: 'int', value }),
  float: (value: number): Attribute => ({ type: 'float', value }),
  string: (value: string): Attribute => ({ type: 'string', value }),
  ints: (value: readonly number[]): Attribute => ({ type: 'ints', value: [...value] }),
  floats: (value: readonly number[]): Attribute => ({ type: 'floats', value: [...value] }),
  strings: (value: readonly string[]): Attribute => ({ type: 'strings', value: [...value] }),
  tensor: (value: TensorData): Attribute => ({ type: 'tensor', value }),
});

/** Reads an int attribute, or the default when absent. */
export function intAttr(attributes: Attributes, name: string, fallback: number): number {
  const a = attributes[name];
  return a && a.type === 'int' ? a.value : fallback;
}

/** Reads an ints attribute, or the default when absent. */
export function intsAttr(attributes: Attributes, name: string, fallback: readonly number[]): readonly number[] {
  const a = attributes[name];
  return a && a.type === 'ints' ? a.value : fallback;
}

/** Reads a float attribute, or the default when absent. */
export function floatAttr(attributes: Attributes, name: string, fallback: number): number {
  const a = attributes[name];
  return a && a.type === 'float' ? a.value : fallback;
}

/** Reads a string attribute, or the default when absent. */
export function stringAttr(attributes: Attributes, name: string, fallback: string): string {
  const a = attributes[name];
  return a && a.type === 'string' ? a.value : fallback;
}
