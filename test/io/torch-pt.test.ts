import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointFormatError, parseTorchTensor, readTorchTensor } from '../../models/io/index.ts';
import { readZipDirectory } from '../../models/io/internal/zip.ts';
import { FIXTURES, ramp, useTempDir } from './helpers.ts';

const tempDir = useTempDir();
const pt = (name: string): string => join(FIXTURES, 'pt', `${name}.pt`);

/** Row-major values of a strided view onto the ramp storage. */
function view(offset: number, shape: [number, number], stride: [number, number]): Float32Array {
  const storage = ramp(offset + (shape[0] - 1) * stride[0] + (shape[1] - 1) * stride[1] + 1);
  const out: number[] = [];
  for (let i = 0; i < shape[0]; i++) for (let j = 0; j < shape[1]; j++) out.push(storage[offset + i * stride[0] + j * stride[1]]!);
  return Float32Array.from(out);
}

describe('torch.save single-tensor files', () => {
  it.each([
    ['f32', 'float32'],
    ['f16', 'float16'],
    ['bf16', 'bfloat16'],
  ])('reads %s with shape and values', async (name, dtype) => {
    const tensor = await readTorchTensor(pt(name));
    expect(tensor).toEqual({ dtype, shape: [2, 3, 4], data: ramp(24) });
  });

  it('reads float64, a 0-d scalar and an nn.Parameter', async () => {
    expect(await readTorchTensor(pt('f64'))).toEqual({ dtype: 'float64', shape: [5], data: ramp(5) });
    expect(await readTorchTensor(pt('scalar'))).toEqual({ dtype: 'float32', shape: [], data: Float32Array.of(2.5) });
    expect(await readTorchTensor(pt('parameter'))).toEqual({ dtype: 'float32', shape: [3], data: ramp(3) });
  });

  it('honours strides: a transposed view', async () => {
    expect(await readTorchTensor(pt('transposed'))).toEqual({ dtype: 'float32', shape: [6, 4], data: view(0, [6, 4], [1, 6]) });
  });

  it('honours the storage offset: a sliced view', async () => {
    expect(await readTorchTensor(pt('sliced'))).toEqual({ dtype: 'float32', shape: [2, 3], data: view(8, [2, 3], [6, 1]) });
  });

  it('honours offset and strides together in float16', async () => {
    const tensor = await readTorchTensor(pt('sliced_transposed_f16'));
    expect(tensor).toEqual({ dtype: 'float16', shape: [4, 3], data: view(7, [4, 3], [1, 6]) });
  });

  it('reads deflated archive members', async () => {
    expect(await readTorchTensor(pt('f32_deflated'))).toEqual(await readTorchTensor(pt('f32')));
  });
});

describe('anything but a single float tensor is refused, naming what was found', () => {
  it.each([
    ['dict', /holds a dict with 2 entries \(keys "prompt_embeds", "pool_embeds"\), not a single tensor/],
    ['list', /holds a list of 2 items, not a single tensor/],
    ['module', /refers to torch\.nn\.modules\.linear\.Linear, which is not on the whitelist/],
    ['int64', /refers to torch\.LongStorage, which is not on the whitelist/],
    ['big_endian', /saved big-endian/],
  ])('%s', async (name, message) => {
    const reading = readTorchTensor(pt(name));
    await expect(reading).rejects.toThrow(message);
    await expect(reading).rejects.toBeInstanceOf(CheckpointFormatError);
  });

  it('refuses a file that is not a zip archive', async () => {
    const path = join(await tempDir(), 'legacy.pt');
    await writeFile(path, Buffer.from('\x80\x02\x8a\x0alegacy torch.save format'));
    await expect(readTorchTensor(path)).rejects.toThrow(/legacy.pt: not a torch.save zip archive/);
  });

  it('refuses a truncated archive', async () => {
    const bytes = await readFile(pt('f32'));
    expect(() => parseTorchTensor('cut.pt', bytes.subarray(0, bytes.length - 30))).toThrow(/cut.pt: not a torch.save zip archive/);
  });

  it('refuses a storage whose bytes were corrupted (CRC-32)', async () => {
    const bytes = Uint8Array.from(await readFile(pt('f32')));
    const entry = readZipDirectory(bytes).get('f32/data/0')!;
    const local = new DataView(bytes.buffer, entry.localHeaderOffset);
    const dataStart = entry.localHeaderOffset + 30 + local.getUint16(26, true) + local.getUint16(28, true);
    bytes[dataStart + 5]! ^= 0x40;
    expect(() => parseTorchTensor('flipped.pt', bytes)).toThrow(/f32\/data\/0 fails its CRC-32 check/);
  });
});
