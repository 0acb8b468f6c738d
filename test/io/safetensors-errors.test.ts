import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointFormatError, openSafetensors, writeSafetensors } from '../../models/io/index.ts';
import { FIXTURES, ramp, useTempDir } from './helpers.ts';

const tempDir = useTempDir();

/** A file made of an 8-byte length, the given header text and `dataBytes` zero bytes. */
function withHeader(header: string, dataBytes = 0, length = BigInt(Buffer.byteLength(header))): Buffer {
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(length);
  return Buffer.concat([prefix, Buffer.from(header), Buffer.alloc(dataBytes)]);
}

async function openBytes(bytes: Uint8Array): Promise<unknown> {
  const path = join(await tempDir(), 'bad.safetensors');
  await writeFile(path, bytes);
  return openSafetensors(path);
}

const f32 = (offsets: [number, number], shape = [2]): object => ({ dtype: 'F32', shape, data_offsets: offsets });

describe('corrupted safetensors files are refused with a clear reason', () => {
  it.each([
    ['shorter than the length prefix', Buffer.from([1, 2, 3]), /truncated: 3 bytes/],
    ['a huge header length', withHeader('{}', 0, 1n << 40n), /header too large: 1099511627776 bytes/],
    ['a header longer than the file', withHeader('{}', 0, 100n), /truncated: header claims 100 bytes but the file has 2/],
    ['a header that is not JSON', withHeader('{"a":'), /not valid UTF-8 JSON/],
    ['a header that is not UTF-8', Buffer.concat([withHeader('{"a":1}').subarray(0, 8), Buffer.from([0x7b, 0xff, 0x7d, 0x20, 0x20, 0x20, 0x20])]), /not valid UTF-8 JSON/],
    ['a header that is a list', withHeader('[1,2]'), /not a JSON object/],
    ['an unknown dtype', withHeader(JSON.stringify({ w: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }), 1), /"w": unknown dtype "F8_E4M3"/],
    ['a shape that is not integers', withHeader(JSON.stringify({ w: f32([0, 8], [2.5]) }), 8), /"w": shape \[2.5\]/],
    ['offsets that are not a pair', withHeader(JSON.stringify({ w: { dtype: 'F32', shape: [2], data_offsets: [0] } }), 8), /"w": data_offsets \[0\] is not \[begin, end\]/],
    ['offsets ending before they begin', withHeader(JSON.stringify({ w: f32([8, 0]) }), 8), /end before begin/],
    ['offsets disagreeing with the shape', withHeader(JSON.stringify({ w: f32([0, 12]) }), 12), /spans 12 bytes but F32\[2\] needs 8|span 12 bytes but F32\[2\] needs 8/],
    ['overlapping tensors', withHeader(JSON.stringify({ a: f32([0, 8]), b: f32([4, 12]) }), 12), /tensors "a" and "b" overlap/],
    ['a tensor past the end of the file', withHeader(JSON.stringify({ a: f32([0, 8]), b: f32([8, 16]) }), 12), /truncated: tensor "b" ends at byte/],
    ['metadata that is not strings', withHeader(JSON.stringify({ __metadata__: { step: 3 } })), /__metadata__.step is not a string/],
  ])('%s', async (_label, bytes, message) => {
    const opening = openBytes(bytes);
    await expect(opening).rejects.toThrow(message);
    await expect(opening).rejects.toBeInstanceOf(CheckpointFormatError);
    await expect(opening).rejects.toMatchObject({ code: 'bad_checkpoint' });
  });

  it('refuses a valid file cut short', async () => {
    const whole = await readFile(join(FIXTURES, 'safetensors', 'all-dtypes.safetensors'));
    await expect(openBytes(whole.subarray(0, whole.length - 3))).rejects.toThrow(/truncated: tensor "[^"]+" ends at byte \d+ but the file has/);
  });

  it('accepts a tensor named like an Object.prototype member', async () => {
    const path = join(await tempDir(), 'proto.safetensors');
    await writeSafetensors(path, [
      { name: '__proto__', dtype: 'F32', shape: [2], data: ramp(2) },
      { name: 'constructor', dtype: 'F32', shape: [1], data: ramp(1) },
    ]);
    const reader = await openSafetensors(path);
    expect([...reader.names].sort()).toEqual(['__proto__', 'constructor']);
    expect(await reader.readFloat32('__proto__')).toEqual(ramp(2));
    expect(reader.has('toString')).toBe(false);
    await reader.close();
  });
});

describe('sharded checkpoints', () => {
  const dir = join(FIXTURES, 'safetensors');
  const index = join(dir, 'model.safetensors.index.json');

  it('opens an index and its shards as one checkpoint', async () => {
    const reader = await openSafetensors(index);
    expect(reader.names).toEqual([
      'proj_out.bias', 'proj_out.weight', 'transformer_blocks.0.attn.to_q.bias', 'transformer_blocks.0.attn.to_q.weight',
    ]);
    expect(reader.info('proj_out.weight')).toMatchObject({ dtype: 'BF16', shape: [2, 4], file: join(dir, 'model-00002-of-00002.safetensors') });
    expect(reader.info('transformer_blocks.0.attn.to_q.weight').file).toBe(join(dir, 'model-00001-of-00002.safetensors'));
    expect(await reader.readFloat32('transformer_blocks.0.attn.to_q.weight')).toEqual(ramp(16));
    expect(await reader.readFloat32('proj_out.weight')).toEqual(ramp(8));
    expect(await reader.readFloat32('proj_out.bias')).toEqual(ramp(2));
    await expect(reader.read('missing')).rejects.toThrow(/model.safetensors.index.json: no tensor named "missing"/);
    await reader.close();
  });

  it('opens a directory through its index', async () => {
    const reader = await openSafetensors(dir);
    expect(reader.names).toHaveLength(4);
    await reader.close();
  });

  it('opens a directory holding one safetensors file', async () => {
    const single = await tempDir();
    await copyFile(join(dir, 'all-dtypes.safetensors'), join(single, 'diffusion_pytorch_model.safetensors'));
    const reader = await openSafetensors(single);
    expect(reader.has('w.f32')).toBe(true);
    await reader.close();
  });

  it('refuses a directory with several files and no index', async () => {
    const several = await tempDir();
    await writeFile(join(several, 'a.safetensors'), '');
    await writeFile(join(several, 'b.safetensors'), '');
    await expect(openSafetensors(several)).rejects.toThrow(/found a.safetensors, b.safetensors/);
  });

  it.each([
    ['no weight_map', { metadata: {} }, /no weight_map object/],
    ['a shard outside the directory', { weight_map: { w: '../x.safetensors' } }, /names "..\/x.safetensors", not a file beside the index/],
    ['a tensor its shard does not hold', { weight_map: { nope: 'model-00001-of-00002.safetensors' } }, /puts "nope" in model-00001-of-00002.safetensors, which does not hold it/],
  ])('refuses an index with %s', async (_label, content, message) => {
    const copy = await tempDir();
    await copyFile(join(dir, 'model-00001-of-00002.safetensors'), join(copy, 'model-00001-of-00002.safetensors'));
    await writeFile(join(copy, 'model.safetensors.index.json'), JSON.stringify(content));
    await expect(openSafetensors(join(copy, 'model.safetensors.index.json'))).rejects.toThrow(message);
  });

  it('refuses an index that is not JSON', async () => {
    const copy = await tempDir();
    await mkdir(copy, { recursive: true });
    await writeFile(join(copy, 'x.safetensors.index.json'), '{');
    await expect(openSafetensors(copy)).rejects.toThrow(/index is not valid JSON/);
  });
});
