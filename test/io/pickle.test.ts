import { describe, expect, it } from 'vitest';
import { PickleTuple, unpickle } from '../../models/io/internal/pickle.ts';
import { TORCH_TENSOR_HOOKS, TorchTensorRef } from '../../models/io/internal/torch-pickle.ts';

/** A pickle stream from latin1 text (opcodes and arguments written out by hand). */
const stream = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const str = (s: string): string => `X${String.fromCharCode(s.length)}\0\0\0${s}`;

describe('the whitelisted pickle interpreter', () => {
  it('builds plain data: dicts, lists, tuples, ints, floats, strings, memo', () => {
    const value = unpickle(stream(
      `\x80\x02}q\x00(${str('a')}K\x01${str('b')}]q\x01(J\xff\xff\xff\xffM\x00\x01\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x00\x01e` +
      `${str('c')}h\x01\x88N\x87${str('d')}G\x3f\xf8\x00\x00\x00\x00\x00\x00u.`,
    ), TORCH_TENSOR_HOOKS);
    const list = [-1, 256, 2n ** 64n];
    expect(value).toEqual(new Map<unknown, unknown>([['a', 1], ['b', list], ['c', new PickleTuple([list, true, null])], ['d', 1.5]]));
    expect(unpickle(stream(`\x80\x02${str('x')}\x85q\x00h\x00\x86.`), TORCH_TENSOR_HOOKS)).toEqual(new PickleTuple([new PickleTuple(['x']), new PickleTuple(['x'])]));
  });

  it('rebuilds a tensor view from the torch globals and a persistent id', () => {
    const pid = `(${str('storage')}ctorch\nHalfStorage\n${str('0')}${str('cpu')}K\x0ctQ`;
    const value = unpickle(stream(
      `\x80\x02ctorch._utils\n_rebuild_tensor_v2\n(${pid}K\x02K\x03K\x02\x86K\x01K\x03\x86\x89ccollections\nOrderedDict\n)RtR.`,
    ), TORCH_TENSOR_HOOKS);
    expect(value).toBeInstanceOf(TorchTensorRef);
    expect(value).toMatchObject({ offset: 2, shape: [3, 2], stride: [1, 3], storage: { dtype: 'float16', key: '0', numel: 12 } });
  });

  it.each([
    ['an unknown global', 'cos\nsystem\n', /refers to os\.system, which is not on the whitelist/],
    ['a builtin', 'c__builtin__\neval\n', /refers to __builtin__\.eval/],
    ['NEWOBJ', '\x80\x02)\x81', /unsupported pickle opcode 0x81 \(NEWOBJ\) at byte 3/],
    ['STACK_GLOBAL', `${str('os')}${str('system')}\x93`, /0x93 \(STACK_GLOBAL\)/],
    ['INST', '(ios\nsystem\n', /0x69 'i' \(INST\)/],
    ['text PERSID', 'P0\n', /0x50 'P' \(PERSID\)/],
    ['REDUCE on data', `${str('x')})R`, /REDUCE on something that is not an allowed global/],
    ['BUILD on a tensor-free object', `${str('x')}}b`, /BUILD on an object/],
    ['a persistent id that is not a storage', `${str('x')}Q`, /unexpected persistent id a string/],
    ['a stack underflow', 't', /MARK missing/],
    ['a stream that ends early', 'X\x05\0\0\0ab', /ends early/],
    ['a memo read before it is set', 'h\x07', /memo 7 read before it was set/],
  ])('refuses %s', (_label, text, message) => {
    expect(() => unpickle(stream(text), TORCH_TENSOR_HOOKS)).toThrow(message);
  });
});
