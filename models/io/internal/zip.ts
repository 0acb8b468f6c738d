/** A minimal zip archive reader (stored and deflated entries, zip64 sizes) over bytes held in memory. */
import { inflateRawSync } from 'node:zlib';

/** One archive member as the central directory describes it. */
export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;

/** Lists an archive's members by name; throws a plain Error describing what is wrong with the structure. */
export function readZipDirectory(bytes: Uint8Array): Map<string, ZipEntry> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { count, offset } = findCentralDirectory(view);
  const entries = new Map<string, ZipEntry>();
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > view.byteLength || view.getUint32(at, true) !== CENTRAL_SIGNATURE) throw new Error(`bad central directory record ${i}`);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    const sizes = [view.getUint32(at + 24, true), view.getUint32(at + 20, true), view.getUint32(at + 42, true)];
    applyZip64Extra(view, at + 46 + nameLength, extraLength, sizes);
    const [size, compressedSize, localHeaderOffset] = sizes as [number, number, number];
    entries.set(name, { name, method: view.getUint16(at + 10, true), crc32: view.getUint32(at + 16, true), compressedSize, size, localHeaderOffset });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Finds the end-of-central-directory record (and its zip64 form) and returns the entry count and offset. */
function findCentralDirectory(view: DataView): { count: number; offset: number } {
  const lowest = Math.max(0, view.byteLength - 22 - 0xffff);
  for (let at = view.byteLength - 22; at >= lowest; at--) {
    if (view.getUint32(at, true) !== EOCD_SIGNATURE) continue;
    const count = view.getUint16(at + 10, true);
    const offset = view.getUint32(at + 16, true);
    if (count !== 0xffff && offset !== 0xffffffff) return { count, offset };
    return findZip64Directory(view, at - 20);
  }
  throw new Error('not a zip archive (no end-of-central-directory record)');
}

function findZip64Directory(view: DataView, locator: number): { count: number; offset: number } {
  if (locator < 0 || view.getUint32(locator, true) !== ZIP64_LOCATOR_SIGNATURE) throw new Error('zip64 locator missing');
  const record = Number(view.getBigUint64(locator + 8, true));
  if (record + 56 > view.byteLength || view.getUint32(record, true) !== ZIP64_EOCD_SIGNATURE) throw new Error('zip64 end record missing');
  return { count: Number(view.getBigUint64(record + 32, true)), offset: Number(view.getBigUint64(record + 48, true)) };
}

/** Replaces 0xffffffff sizes/offset (uncompressed, compressed, local offset order) with the zip64 extra field's values. */
function applyZip64Extra(view: DataView, start: number, length: number, values: number[]): void {
  for (let at = start; at + 4 <= start + length; ) {
    const id = view.getUint16(at, true);
    const size = view.getUint16(at + 2, true);
    if (id === 0x0001) {
      let field = at + 4;
      for (let i = 0; i < values.length && field + 8 <= at + 4 + size; i++) {
        if (values[i] !== 0xffffffff) continue;
        values[i] = Number(view.getBigUint64(field, true));
        field += 8;
      }
    }
    at += 4 + size;
  }
}

/** Returns a member's bytes (a view into `bytes` when stored), checking its CRC-32. */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = entry.localHeaderOffset;
  if (at + 30 > view.byteLength || view.getUint32(at, true) !== LOCAL_SIGNATURE) throw new Error(`bad local header for ${entry.name}`);
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  if (start + entry.compressedSize > bytes.length) throw new Error(`${entry.name} is truncated`);
  const raw = bytes.subarray(start, start + entry.compressedSize);
  let data: Uint8Array;
  if (entry.method === 0) data = raw;
  else if (entry.method === 8) data = inflateRawSync(raw);
  else throw new Error(`${entry.name} uses compression method ${entry.method} (only stored and deflate are read)`);
  if (data.length !== entry.size) throw new Error(`${entry.name} has ${data.length} bytes, directory says ${entry.size}`);
  if (crc32(data) !== entry.crc32) throw new Error(`${entry.name} fails its CRC-32 check`);
  return data;
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE, as zip uses) of some bytes. */
export function crc32(data: Uint8Array): number {
  crcTable ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = crcTable[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
