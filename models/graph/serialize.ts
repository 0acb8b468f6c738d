/** Serialisation of a built graph to ONNX ModelProto bytes. */
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import { DTYPE_BYTES, ONNX_DTYPE_CODE } from './dtype.ts';
import type { Graph } from './graph.ts';
import type { Attribute, TensorData, Value } from './value.ts';

const { onnx } = onnxProto;

/** The default operator set the builder's ops are written against. */
export const DEFAULT_OPSET = 21;

/** The IR version matching the default opset (ONNX 1.16). */
export const DEFAULT_IR_VERSION = 10;

/** Options for the ModelProto wrapper. */
export interface SerializeOptions {
  opset?: number;
  irVersion?: number;
  producerName?: string;
  docString?: string;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * Tensor elements as little-endian raw bytes, independent of the host's byte order. On
 * little-endian hosts this is a view of the tensor's own memory (multi-GB weights are not copied).
 */
export function rawLittleEndian(t: TensorData): Uint8Array {
  const d = t.data;
  if (LITTLE_ENDIAN_HOST && d.BYTES_PER_ELEMENT === DTYPE_BYTES[t.dtype]) return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  const n = t.data.length;
  const bytes = new Uint8Array(n * DTYPE_BYTES[t.dtype]);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < n; i++) {
    switch (t.dtype) {
      case 'float32': view.setFloat32(i * 4, d[i] as number, true); break;
      case 'float64': view.setFloat64(i * 8, d[i] as number, true); break;
      case 'float16': view.setUint16(i * 2, d[i] as number, true); break;
      case 'int64': view.setBigInt64(i * 8, d[i] as bigint, true); break;
      case 'int32': view.setInt32(i * 4, d[i] as number, true); break;
      case 'int8': view.setInt8(i, d[i] as number); break;
      case 'uint8': case 'bool': view.setUint8(i, d[i] as number); break;
    }
  }
  return bytes;
}

function tensorProto(name: string, t: TensorData): Onnx.ITensorProto {
  return { name, dims: [...t.dims], dataType: ONNX_DTYPE_CODE[t.dtype], rawData: rawLittleEndian(t) };
}

function valueInfo(v: Value): Onnx.IValueInfoProto {
  const dim = v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name: v.name, type: { tensorType: { elemType: ONNX_DTYPE_CODE[v.dtype], shape: { dim } } } };
}

const T = onnx.AttributeProto.AttributeType;

function attributeProto(name: string, a: Attribute): Onnx.IAttributeProto {
  switch (a.type) {
    case 'int': return { name, type: T.INT, i: a.value };
    case 'float': return { name, type: T.FLOAT, f: a.value };
    case 'string': return { name, type: T.STRING, s: new TextEncoder().encode(a.value) };
    case 'ints': return { name, type: T.INTS, ints: [...a.value] };
    case 'floats': return { name, type: T.FLOATS, floats: [...a.value] };
    case 'strings': return { name, type: T.STRINGS, strings: a.value.map((s) => new TextEncoder().encode(s)) };
    case 'tensor': return { name, type: T.TENSOR, t: tensorProto('', a.value) };
  }
}

/** Builds the ModelProto message for a graph (nodes in insertion order, attributes sorted by name). */
export function toModelProto(g: Graph, options: SerializeOptions = {}): Onnx.ModelProto {
  return onnx.ModelProto.create({
    irVersion: options.irVersion ?? DEFAULT_IR_VERSION,
    opsetImport: [{ domain: '', version: options.opset ?? DEFAULT_OPSET }],
    producerName: options.producerName ?? 'tsdsr models/graph',
    docString: options.docString ?? '',
    graph: {
      name: g.name,
      node: g.nodes.map((n) => ({
        name: n.name,
        opType: n.opType,
        input: n.inputs.map((v) => v.name),
        output: n.outputs.map((v) => v.name),
        attribute: Object.keys(n.attributes).sort().map((k) => attributeProto(k, n.attributes[k] as Attribute)),
      })),
      initializer: g.initializers.map((v) => tensorProto(v.name, v.constant as TensorData)),
      input: g.inputs.map(valueInfo),
      output: g.outputs.map(valueInfo),
    },
  });
}

/** Serialises a graph to ONNX model bytes, ready for `InferenceSession.create`. */
export function serializeModel(g: Graph, options: SerializeOptions = {}): Uint8Array {
  if (g.outputs.length === 0) throw new Error(`serializeModel: graph ${g.name} has no outputs`);
  return onnx.ModelProto.encode(toModelProto(g, options)).finish();
}
