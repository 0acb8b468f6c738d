/** Reading a `.pt` file that torch.save wrote for ONE float tensor (TSD-SR's prompt embeddings), without Python. */
import { readFile } from 'node:fs/promises';
import { CheckpointFormatError } from './errors.ts';
import { bfloat16ToFloat32, float16ToFloat32 } from './half.ts';
import { unpickle } from './internal/pickle.ts';
import { describePickleValue, TORCH_TENSOR_HOOKS, TorchTensorRef, type TorchFloatDType } from './internal/torch-pickle.ts';
import { readZipDirectory, readZipEntry, type ZipEntry } from './internal/zip.ts';

export type { TorchFloatDType } from './internal/torch-pickle.ts';

/** A tensor read from a `.pt` file: its stored element type, its shape, and its values widened to float32 (row-major). */
export interface TorchTensor {
  readonly dtype: TorchFloatDType;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

const ELEMENT_BYTES: Readonly<Record<TorchFloatDType, number>> = { float32: 4, float16: 2, bfloat16: 2, float64: 8 };

/** Reads a `.pt` file holding a single tensor; anything else (a dict, a module) is refused naming what was found. */
export async function readTorchTensor(path: string): Promise<TorchTensor> {
  return parseTorchTensor(path, await readFile(path));
}

/** Parses the bytes of a `.pt` zip archive holding a single tensor; `file` names it in errors. */
export function parseTorchTensor(file: string, bytes: Uint8Array): TorchTensor {
  const fail = (detail: string): never => {
    throw new CheckpointFormatError(file, detail);
  };
  let entries: Map<string, ZipEntry>;
  try {
    entries = readZipDirectory(bytes);
  } catch (error) {
    return fail(`not a torch.save zip archive: ${(error as Error).message}`);
  }
  const pickleName = [...entries.keys()].find((name) => name.endsWith('/data.pkl') && name.split('/').length === 2);
  if (!pickleName) return fail('no <archive>/data.pkl record (a legacy non-zip torch.save file is not read)');
  const prefix = pickleName.slice(0, -'data.pkl'.length);
  const member = (name: string): Uint8Array => {
    const entry = entries.get(prefix + name) ?? fail(`the archive has no ${prefix + name}`);
    try {
      return readZipEntry(bytes, entry);
    } catch (error) {
      return fail((error as Error).message);
    }
  };
  if (entries.has(`${prefix}byteorder`) && new TextDecoder().decode(member('byteorder')).trim() !== 'little') {
    fail('the tensor was saved big-endian');
  }
  let value;
  try {
    value = unpickle(member('data.pkl'), TORCH_TENSOR_HOOKS);
  } catch (error) {
    return fail(`${(error as Error).message}; only a file holding a single tensor is read`);
  }
  if (!(value instanceof TorchTensorRef)) return fail(`holds ${describePickleValue(value)}, not a single tensor`);
  return materialize(file, value, member(`data/${value.storage.key}`));
}

/** Widens the viewed elements of a storage to a contiguous float32 array, honouring offset and stride. */
function materialize(file: string, tensor: TorchTensorRef, storageBytes: Uint8Array): TorchTensor {
  const { dtype, numel } = tensor.storage;
  const elementBytes = ELEMENT_BYTES[dtype];
  if (storageBytes.length < numel * elementBytes) {
    throw new CheckpointFormatError(file, `storage ${tensor.storage.key} has ${storageBytes.length} bytes, ${numel} ${dtype} elements need ${numel * elementBytes}`);
  }
  const count = tensor.shape.reduce((n, d) => n * d, 1);
  const span = viewSpan(tensor);
  if (count > 0 && span.last >= numel) {
    throw new CheckpointFormatError(file, `the tensor view reaches element ${span.last} of a ${numel}-element storage`);
  }
  if (count === 0) return { dtype, shape: tensor.shape, data: new Float32Array(0) };
  if (isContiguous(tensor)) {
    const bytes = storageBytes.slice(tensor.offset * elementBytes, (tensor.offset + count) * elementBytes);
    return { dtype, shape: tensor.shape, data: widen(dtype, bytes) };
  }
  const region = storageBytes.slice(span.first * elementBytes, (span.last + 1) * elementBytes);
  return { dtype, shape: tensor.shape, data: gatherStrided(widen(dtype, region), tensor.shape, tensor.stride, tensor.offset - span.first) };
}

/** Lowest and highest storage element the view touches (strides may be negative only in theory; both are handled). */
function viewSpan(tensor: TorchTensorRef): { first: number; last: number } {
  let first = tensor.offset;
  let last = tensor.offset;
  tensor.shape.forEach((size, axis) => {
    const reach = (size - 1) * tensor.stride[axis]!;
    if (reach < 0) first += reach;
    else last += reach;
  });
  return { first, last };
}

/** Row-major contiguity, ignoring strides of size-1 axes as torch does. */
function isContiguous(tensor: TorchTensorRef): boolean {
  let expected = 1;
  for (let axis = tensor.shape.length - 1; axis >= 0; axis--) {
    const size = tensor.shape[axis]!;
    if (size !== 1 && tensor.stride[axis] !== expected) return false;
    expected *= size;
  }
  return true;
}

/** Little-endian element bytes (freshly copied, so aligned) to float32 values. */
function widen(dtype: TorchFloatDType, bytes: Uint8Array): Float32Array {
  const buffer = bytes.buffer as ArrayBuffer;
  if (dtype === 'float32') return new Float32Array(buffer, bytes.byteOffset, bytes.length / 4);
  if (dtype === 'float64') return Float32Array.from(new Float64Array(buffer, bytes.byteOffset, bytes.length / 8));
  const bits = new Uint16Array(buffer, bytes.byteOffset, bytes.length / 2);
  return dtype === 'float16' ? float16ToFloat32(bits) : bfloat16ToFloat32(bits);
}

/** Copies a strided view (element offset and strides into `source`) into a row-major array. */
function gatherStrided(source: Float32Array, shape: readonly number[], stride: readonly number[], offset: number): Float32Array {
  const out = new Float32Array(shape.reduce((n, d) => n * d, 1));
  const index = new Array<number>(shape.length).fill(0);
  let at = offset;
  for (let i = 0; i < out.length; i++) {
    out[i] = source[at]!;
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      index[axis]! += 1;
      at += stride[axis]!;
      if (index[axis]! < shape[axis]!) break;
      at -= shape[axis]! * stride[axis]!;
      index[axis] = 0;
    }
  }
  return out;
}
