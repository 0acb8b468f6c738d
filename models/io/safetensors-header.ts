/** The safetensors header: element types, parsing with validation, and serialisation with 8-byte padding. */
import { CheckpointFormatError } from './errors.ts';

/** Element types a safetensors file may hold that this reader understands. */
export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** Bytes per element of each safetensors element type. */
export const SAFETENSORS_DTYPE_BYTES: Readonly<Record<SafetensorsDType, number>> = Object.freeze({
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1,
});

/** Headers above this size are refused (the reference implementation's limit), so a bad length cannot exhaust memory. */
export const MAX_HEADER_BYTES = 100_000_000;

/** Where one tensor lives: element type, shape, and its absolute byte range in the file. */
export interface TensorInfo {
  readonly name: string;
  /** The file the tensor is stored in (a shard, for sharded checkpoints). */
  readonly file: string;
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  /** Offset of the first byte from the start of the file. */
  readonly fileOffset: number;
  readonly byteLength: number;
}

/** A parsed, validated header: tensors in file order and the free-form string metadata. */
export interface SafetensorsHeader {
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  readonly metadata: Readonly<Record<string, string>>;
}

/** Reads the 8-byte little-endian header length and checks it against the limit and the file size. */
export function parseHeaderLength(file: string, prefix: Uint8Array, fileSize: number): number {
  if (fileSize < 8 || prefix.length < 8) throw new CheckpointFormatError(file, `truncated: ${fileSize} bytes, shorter than the 8-byte header length`);
  const length = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (length > BigInt(MAX_HEADER_BYTES)) throw new CheckpointFormatError(file, `header too large: ${length} bytes (limit ${MAX_HEADER_BYTES})`);
  const headerBytes = Number(length);
  if (8 + headerBytes > fileSize) throw new CheckpointFormatError(file, `truncated: header claims ${headerBytes} bytes but the file has ${fileSize - 8} after the length`);
  return headerBytes;
}

/** Parses and validates the JSON header; `dataStart` is 8 + header length, `fileSize` bounds every tensor. */
export function parseHeader(file: string, json: Uint8Array, dataStart: number, fileSize: number): SafetensorsHeader {
  const raw = parseJsonObject(file, json);
  let metadata: Record<string, string> = {};
  const infos: TensorInfo[] = [];
  for (const [name, entry] of Object.entries(raw)) {
    if (name === '__metadata__') metadata = parseMetadata(file, entry);
    else infos.push(parseEntry(file, name, entry, dataStart));
  }
  infos.sort((a, b) => a.fileOffset - b.fileOffset || a.byteLength - b.byteLength);
  checkRanges(file, infos, fileSize);
  return { tensors: new Map(infos.map((info) => [info.name, info])), metadata };
}

function parseJsonObject(file: string, json: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (error) {
    throw new CheckpointFormatError(file, `header is not valid UTF-8 JSON (${(error as Error).message})`);
  }
  if (!isPlainObject(value)) throw new CheckpointFormatError(file, 'header is not a JSON object');
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseMetadata(file: string, entry: unknown): Record<string, string> {
  if (!isPlainObject(entry)) throw new CheckpointFormatError(file, '__metadata__ is not an object');
  for (const [key, value] of Object.entries(entry)) {
    if (typeof value !== 'string') throw new CheckpointFormatError(file, `__metadata__.${key} is not a string`);
  }
  return entry as Record<string, string>;
}

function parseEntry(file: string, name: string, entry: unknown, dataStart: number): TensorInfo {
  const fail = (detail: string): never => {
    throw new CheckpointFormatError(file, `tensor "${name}": ${detail}`);
  };
  if (!isPlainObject(entry)) return fail('entry is not an object');
  const { dtype, shape, data_offsets: offsets } = entry;
  if (typeof dtype !== 'string' || !Object.hasOwn(SAFETENSORS_DTYPE_BYTES, dtype)) {
    return fail(`unknown dtype ${JSON.stringify(dtype)} (known: ${Object.keys(SAFETENSORS_DTYPE_BYTES).join(', ')})`);
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) return fail(`shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    return fail(`data_offsets ${JSON.stringify(offsets)} is not [begin, end]`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) return fail(`data_offsets [${begin}, ${end}] end before begin`);
  const typed = dtype as SafetensorsDType;
  const expected = shape.reduce((n: number, d: number) => n * d, 1) * SAFETENSORS_DTYPE_BYTES[typed];
  if (end - begin !== expected) return fail(`data_offsets span ${end - begin} bytes but ${typed}[${shape.join(', ')}] needs ${expected}`);
  return { name, file, dtype: typed, shape: shape as number[], fileOffset: dataStart + begin, byteLength: end - begin };
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Tensors (sorted by offset) must not overlap and must end inside the file. */
function checkRanges(file: string, infos: readonly TensorInfo[], fileSize: number): void {
  let previous: TensorInfo | undefined;
  for (const info of infos) {
    if (previous && info.byteLength > 0 && info.fileOffset < previous.fileOffset + previous.byteLength) {
      throw new CheckpointFormatError(file, `tensors "${previous.name}" and "${info.name}" overlap`);
    }
    const end = info.fileOffset + info.byteLength;
    if (end > fileSize) {
      throw new CheckpointFormatError(file, `truncated: tensor "${info.name}" ends at byte ${end} but the file has ${fileSize}`);
    }
    if (info.byteLength > 0) previous = info;
  }
}

/** A tensor entry as the writer lays it out: data offsets relative to the end of the header. */
export interface HeaderEntry {
  readonly name: string;
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

/** Serialises a header (length prefix + compact JSON padded with spaces to a multiple of 8 bytes). */
export function encodeHeader(entries: readonly HeaderEntry[], metadata?: Readonly<Record<string, string>>): Uint8Array {
  const header = Object.create(null) as Record<string, unknown>;
  if (metadata && Object.keys(metadata).length > 0) header['__metadata__'] = metadata;
  for (const { name, dtype, shape, begin, end } of entries) header[name] = { dtype, shape, data_offsets: [begin, end] };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const bytes = new Uint8Array(8 + padded).fill(0x20, 8 + json.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(padded), true);
  bytes.set(json, 8);
  return bytes;
}
