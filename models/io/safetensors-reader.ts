/** Reading one safetensors file on demand through a file handle: the header up front, each tensor when asked. */
import { open, type FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { CheckpointFormatError } from './errors.ts';
import { bfloat16ToFloat32, float16ToFloat32 } from './half.ts';
import { readExactly } from './internal/file-io.ts';
import { parseHeader, parseHeaderLength, type SafetensorsHeader, type TensorInfo } from './safetensors-header.ts';

/** A tensor's elements in their stored type (F16 and BF16 as raw 16-bit patterns, BOOL as 0/1 bytes). */
export type TensorData = Float64Array | Float32Array | Uint16Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

/** An open safetensors checkpoint (one file or several shards): names and shapes at once, data on demand. */
export interface SafetensorsReader {
  /** Tensor names, in storage order. */
  readonly names: readonly string[];
  /** The header's free-form `__metadata__` strings (for shards: the first shard's). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Whether a tensor of this name exists. */
  has(name: string): boolean;
  /** Element type, shape and location of a tensor; throws for an unknown name. */
  info(name: string): TensorInfo;
  /** The tensor's raw little-endian bytes. */
  readBytes(name: string): Promise<Uint8Array>;
  /** The tensor's elements in their stored type (see TensorData). */
  read(name: string): Promise<TensorData>;
  /** The tensor's elements as float32, converting F16, BF16 and F64 chunk by chunk; integer types are refused. */
  readFloat32(name: string): Promise<Float32Array>;
  /** Closes the file handles; further reads fail. */
  close(): Promise<void>;
}

/** Elements converted per chunk when widening 16-bit floats, so no second full-size copy is ever held. */
const CONVERT_CHUNK_ELEMENTS = 1 << 20;

/** Opens one `.safetensors` file, reading and validating only its header. */
export async function openSafetensorsFile(path: string): Promise<SafetensorsReader> {
  if (endianness() !== 'LE') throw new Error('safetensors reading needs a little-endian host');
  const handle = await open(path, 'r');
  try {
    const header = await readHeader(path, handle);
    return new SafetensorsFile(path, handle, header);
  } catch (error) {
    await handle.close();
    throw error;
  }
}

async function readHeader(path: string, handle: FileHandle): Promise<SafetensorsHeader> {
  const { size } = await handle.stat();
  const prefix = new Uint8Array(8);
  if (size >= 8) await readExactly(handle, prefix, 0);
  const headerBytes = parseHeaderLength(path, prefix, size);
  const json = new Uint8Array(headerBytes);
  await readExactly(handle, json, 8);
  return parseHeader(path, json, 8 + headerBytes, size);
}

/** One safetensors file behind an open handle. */
class SafetensorsFile implements SafetensorsReader {
  readonly names: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;

  constructor(
    private readonly path: string,
    private readonly handle: FileHandle,
    private readonly header: SafetensorsHeader,
  ) {
    this.names = [...header.tensors.keys()];
    this.metadata = header.metadata;
  }

  has(name: string): boolean {
    return this.header.tensors.has(name);
  }

  info(name: string): TensorInfo {
    const info = this.header.tensors.get(name);
    if (!info) throw new CheckpointFormatError(this.path, `no tensor named "${name}"`);
    return info;
  }

  async readBytes(name: string): Promise<Uint8Array> {
    const info = this.info(name);
    const bytes = new Uint8Array(info.byteLength);
    await readExactly(this.handle, bytes, info.fileOffset);
    return bytes;
  }

  async read(name: string): Promise<TensorData> {
    const info = this.info(name);
    const buffer = new ArrayBuffer(info.byteLength);
    await readExactly(this.handle, new Uint8Array(buffer), info.fileOffset);
    return viewAs(info, buffer);
  }

  async readFloat32(name: string): Promise<Float32Array> {
    const info = this.info(name);
    if (info.dtype === 'F32') return (await this.read(name)) as Float32Array;
    if (info.dtype !== 'F16' && info.dtype !== 'BF16' && info.dtype !== 'F64') {
      throw new CheckpointFormatError(this.path, `tensor "${name}" is ${info.dtype}, not a float type`);
    }
    return this.widenInChunks(info);
  }

  /** Reads a F16/BF16/F64 tensor chunk by chunk into a float32 array. */
  private async widenInChunks(info: TensorInfo): Promise<Float32Array> {
    const elementBytes = info.dtype === 'F64' ? 8 : 2;
    const count = info.byteLength / elementBytes;
    const out = new Float32Array(count);
    const chunk = new ArrayBuffer(Math.min(count, CONVERT_CHUNK_ELEMENTS) * elementBytes);
    for (let start = 0; start < count; start += CONVERT_CHUNK_ELEMENTS) {
      const n = Math.min(CONVERT_CHUNK_ELEMENTS, count - start);
      await readExactly(this.handle, new Uint8Array(chunk, 0, n * elementBytes), info.fileOffset + start * elementBytes);
      const target = out.subarray(start, start + n);
      if (info.dtype === 'F16') float16ToFloat32(new Uint16Array(chunk, 0, n), target);
      else if (info.dtype === 'BF16') bfloat16ToFloat32(new Uint16Array(chunk, 0, n), target);
      else target.set(new Float64Array(chunk, 0, n));
    }
    return out;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** Views a tensor's freshly read bytes as the typed array of its element type (no copy). */
function viewAs(info: TensorInfo, buffer: ArrayBuffer): TensorData {
  switch (info.dtype) {
    case 'F64': return new Float64Array(buffer);
    case 'F32': return new Float32Array(buffer);
    case 'F16': case 'BF16': return new Uint16Array(buffer);
    case 'I64': return new BigInt64Array(buffer);
    case 'I32': return new Int32Array(buffer);
    case 'I16': return new Int16Array(buffer);
    case 'I8': return new Int8Array(buffer);
    case 'U8': case 'BOOL': return new Uint8Array(buffer);
  }
}
