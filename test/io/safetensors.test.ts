import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  float32ToBfloat16, float32ToFloat16, openSafetensors, SAFETENSORS_DTYPE_BYTES, writeSafetensors,
  type SafetensorsDType, type TensorToWrite,
} from '../../models/io/index.ts';
import { FIXTURES, ramp, useTempDir } from './helpers.ts';

const tempDir = useTempDir();

/** Sample data for each dtype: [shape, stored elements]. */
const SAMPLES: Record<SafetensorsDType, [number[], ArrayBufferView]> = {
  F64: [[2, 2], Float64Array.of(1.5, -2, 1e300, Math.PI)],
  F32: [[2, 3], ramp(6)],
  F16: [[3, 2], float32ToFloat16(ramp(6))],
  BF16: [[5], float32ToBfloat16(ramp(5))],
  I64: [[3], BigInt64Array.of(-1n, 0n, 2n ** 62n)],
  I32: [[3], Int32Array.of(-1, 0, 2 ** 31 - 1)],
  I16: [[2], Int16Array.of(-32768, 32767)],
  I8: [[2], Int8Array.of(-128, 127)],
  U8: [[4], Uint8Array.of(0, 1, 254, 255)],
  BOOL: [[3], Uint8Array.of(1, 0, 1)],
};

describe('safetensors writer and reader', () => {
  it('round-trips every dtype with shapes, metadata and aligned offsets', async () => {
    const path = join(await tempDir(), 'all.safetensors');
    const tensors = Object.entries(SAMPLES).map(([dtype, [shape, data]]) => ({ name: `t.${dtype}`, dtype, shape, data }) as TensorToWrite);
    await writeSafetensors(path, tensors, { format: 'pt' });
    const reader = await openSafetensors(path);
    try {
      expect(reader.metadata).toEqual({ format: 'pt' });
      expect([...reader.names].sort()).toEqual(tensors.map((t) => t.name).sort());
      for (const { name, dtype, shape, data } of tensors) {
        const info = reader.info(name);
        expect(info).toMatchObject({ dtype, shape, file: path });
        expect(info.fileOffset % SAFETENSORS_DTYPE_BYTES[dtype]).toBe(0);
        expect(await reader.read(name)).toEqual(data);
      }
    } finally {
      await reader.close();
    }
  });

  it('pads the header with spaces to a multiple of 8 bytes', async () => {
    const path = join(await tempDir(), 'pad.safetensors');
    await writeSafetensors(path, [{ name: 'x', dtype: 'U8', shape: [1], data: Uint8Array.of(7) }]);
    const bytes = await readFile(path);
    const length = Number(bytes.readBigUInt64LE(0));
    expect(length % 8).toBe(0);
    const json = bytes.subarray(8, 8 + length).toString('latin1');
    expect(json).toMatch(/^\{"x":\{"dtype":"U8","shape":\[1\],"data_offsets":\[0,1\]\}\} *$/);
  });

  it('widens F16, BF16 and F64 to float32 and refuses integer tensors', async () => {
    const path = join(await tempDir(), 'floats.safetensors');
    await writeSafetensors(path, Object.entries(SAMPLES).map(([dtype, [shape, data]]) => ({ name: dtype, dtype, shape, data }) as TensorToWrite));
    const reader = await openSafetensors(path);
    expect(await reader.readFloat32('F32')).toEqual(ramp(6));
    expect(await reader.readFloat32('F16')).toEqual(ramp(6));
    expect(await reader.readFloat32('BF16')).toEqual(ramp(5));
    expect(await reader.readFloat32('F64')).toEqual(Float32Array.of(1.5, -2, Infinity, Math.PI));
    await expect(reader.readFloat32('I32')).rejects.toThrow(/"I32" is I32, not a float type/);
    await expect(reader.readBytes('nope')).rejects.toThrow(/no tensor named "nope"/);
    await reader.close();
  });

  it('widens a tensor larger than one conversion chunk', async () => {
    const path = join(await tempDir(), 'big.safetensors');
    const values = Float32Array.from({ length: (1 << 20) + 37 }, (_, k) => (k % 2048) - 1024);
    await writeSafetensors(path, [{ name: 'big', dtype: 'F16', shape: [values.length], data: () => float32ToFloat16(values) }]);
    const reader = await openSafetensors(path);
    const read = await reader.readFloat32('big');
    expect(read.length).toBe(values.length);
    expect(read.findIndex((v, i) => v !== values[i])).toBe(-1);
    await reader.close();
  });

  it('produces each tensor only when writing it, in file order', async () => {
    const path = join(await tempDir(), 'lazy.safetensors');
    const produced: string[] = [];
    const lazy = (name: string, dtype: SafetensorsDType, data: ArrayBufferView): TensorToWrite =>
      ({ name, dtype, shape: [data.byteLength / SAFETENSORS_DTYPE_BYTES[dtype]], data: async () => (produced.push(name), data) });
    await writeSafetensors(path, [lazy('b', 'F16', new Uint16Array(2)), lazy('a', 'F16', new Uint16Array(1)), lazy('c', 'F32', new Float32Array(1))]);
    expect(produced).toEqual(['c', 'a', 'b']);
  });

  it('refuses bad input and leaves no file behind', async () => {
    const dir = await tempDir();
    const path = join(dir, 'bad.safetensors');
    const bad = writeSafetensors(path, [{ name: 'x', dtype: 'F32', shape: [3], data: new Float32Array(2) }]);
    await expect(bad).rejects.toThrow(/"x": 8 bytes of data but F32\[3\] needs 12/);
    expect(await readdir(dir)).toEqual([]);
    const twice = { name: 'x', dtype: 'U8', shape: [1], data: new Uint8Array(1) } as const;
    await expect(writeSafetensors(path, [twice, twice])).rejects.toThrow(/"x" given twice/);
    await expect(writeSafetensors(path, [{ ...twice, name: '__metadata__' }])).rejects.toThrow(/cannot be a tensor name/);
  });
});

describe('safetensors written by the Python fixture script', () => {
  const allDtypes = join(FIXTURES, 'safetensors', 'all-dtypes.safetensors');

  it('reads every dtype with the expected values', async () => {
    const reader = await openSafetensors(allDtypes);
    expect(reader.metadata).toEqual({ format: 'pt', note: 'fixture' });
    expect(reader.info('w.f16')).toMatchObject({ dtype: 'F16', shape: [3, 2] });
    expect(await reader.readFloat32('w.f32')).toEqual(ramp(6));
    expect(await reader.readFloat32('w.f16')).toEqual(ramp(6));
    expect(await reader.readFloat32('w.bf16')).toEqual(ramp(5));
    expect(await reader.readFloat32('w.f64')).toEqual(ramp(2));
    expect(await reader.read('i.i64')).toEqual(BigInt64Array.of(-1n, 0n, 1n));
    expect(await reader.read('i.i32')).toEqual(Int32Array.of(-1, 0, 1));
    expect(await reader.read('i.u8')).toEqual(Uint8Array.of(250, 251, 252, 253));
    expect(await reader.read('i.bool')).toEqual(Uint8Array.of(1, 0, 1));
    expect(reader.info('empty').shape).toEqual([0, 3]);
    expect(await reader.readFloat32('empty')).toEqual(new Float32Array(0));
    await reader.close();
  });

  it('is reproduced byte for byte by our writer', async () => {
    const path = join(await tempDir(), 'again.safetensors');
    await writeSafetensors(path, [
      { name: 'w.f32', dtype: 'F32', shape: [2, 3], data: ramp(6) },
      { name: 'w.f16', dtype: 'F16', shape: [3, 2], data: float32ToFloat16(ramp(6)) },
      { name: 'w.bf16', dtype: 'BF16', shape: [5], data: float32ToBfloat16(ramp(5)) },
      { name: 'w.f64', dtype: 'F64', shape: [2], data: Float64Array.from(ramp(2)) },
      { name: 'i.i64', dtype: 'I64', shape: [3], data: BigInt64Array.of(-1n, 0n, 1n) },
      { name: 'i.i32', dtype: 'I32', shape: [3], data: Int32Array.of(-1, 0, 1) },
      { name: 'i.u8', dtype: 'U8', shape: [4], data: Uint8Array.of(250, 251, 252, 253) },
      { name: 'i.bool', dtype: 'BOOL', shape: [3], data: Uint8Array.of(1, 0, 1) },
      { name: 'empty', dtype: 'F32', shape: [0, 3], data: new Float32Array(0) },
    ], { format: 'pt', note: 'fixture' });
    expect(await readFile(path)).toEqual(await readFile(allDtypes));
  });
});
