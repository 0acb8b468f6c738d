/** Writing safetensors files tensor by tensor, so a checkpoint never has to be in memory all at once. */
import { endianness } from 'node:os';
import { writeFileAtomicWith } from './atomic-write.ts';
import { writeAll } from './internal/file-io.ts';
import { encodeHeader, SAFETENSORS_DTYPE_BYTES, type HeaderEntry, type SafetensorsDType } from './safetensors-header.ts';

/** One tensor to write; `data` may be a function so each tensor is produced only when its turn comes. */
export interface TensorToWrite {
  readonly name: string;
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  /** Little-endian element bytes (F16/BF16 as 16-bit patterns), or a function returning them. */
  readonly data: ArrayBufferView | (() => ArrayBufferView | Promise<ArrayBufferView>);
}

/**
 * Writes a safetensors file: tensors ordered by element size (largest first) then name so every tensor is
 * aligned to its element size, written to a temporary file that is fsynced and renamed into place when complete
 * (a full disk leaves the old file and no temporary one; a crash, the old file and at most a dot-named `.partial` one).
 */
export async function writeSafetensors(
  path: string,
  tensors: readonly TensorToWrite[],
  metadata?: Readonly<Record<string, string>>,
): Promise<void> {
  if (endianness() !== 'LE') throw new Error('safetensors writing needs a little-endian host');
  const ordered = orderForWriting(tensors);
  const entries = layOut(ordered);
  await writeFileAtomicWith(path, async (handle) => {
    await writeAll(handle, encodeHeader(entries, metadata));
    for (const [i, tensor] of ordered.entries()) {
      const data = typeof tensor.data === 'function' ? await tensor.data() : tensor.data;
      const expected = entries[i]!.end - entries[i]!.begin;
      if (data.byteLength !== expected) {
        throw new Error(`tensor "${tensor.name}": ${data.byteLength} bytes of data but ${tensor.dtype}[${tensor.shape.join(', ')}] needs ${expected}`);
      }
      await writeAll(handle, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
  });
}

/** Largest elements first, then by name; duplicate names and unknown dtypes are refused. */
function orderForWriting(tensors: readonly TensorToWrite[]): TensorToWrite[] {
  const seen = new Set<string>();
  for (const { name, dtype } of tensors) {
    if (name === '__metadata__') throw new Error('"__metadata__" cannot be a tensor name');
    if (seen.has(name)) throw new Error(`tensor "${name}" given twice`);
    if (!Object.hasOwn(SAFETENSORS_DTYPE_BYTES, dtype)) throw new Error(`tensor "${name}": unknown dtype ${dtype}`);
    seen.add(name);
  }
  const size = (t: TensorToWrite): number => SAFETENSORS_DTYPE_BYTES[t.dtype];
  return [...tensors].sort((a, b) => size(b) - size(a) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Consecutive data offsets for the ordered tensors. */
function layOut(tensors: readonly TensorToWrite[]): HeaderEntry[] {
  let offset = 0;
  return tensors.map(({ name, dtype, shape }) => {
    if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new Error(`tensor "${name}": bad shape [${shape.join(', ')}]`);
    const byteLength = shape.reduce((n, d) => n * d, 1) * SAFETENSORS_DTYPE_BYTES[dtype];
    const entry = { name, dtype, shape, begin: offset, end: offset + byteLength };
    offset += byteLength;
    return entry;
  });
}
