import { describe, expect, it } from 'vitest';
import {
  bfloat16BitsToNumber, bfloat16ToFloat32, float16BitsToNumber, float16ToFloat32,
  float32ToBfloat16, float32ToFloat16, numberToBfloat16Bits, numberToFloat16Bits,
} from '../../models/io/index.ts';

const isHalfNaN = (bits: number): boolean => (bits & 0x7c00) === 0x7c00 && (bits & 0x3ff) !== 0;

describe('float16 decoding', () => {
  it.each([
    [0x0000, 0], [0x0001, 2 ** -24], [0x03ff, 1023 * 2 ** -24], [0x0400, 2 ** -14], [0x3c00, 1],
    [0xc000, -2], [0x7bff, 65504], [0x7c00, Infinity], [0xfc00, -Infinity], [0x3555, 0.333251953125],
  ])('0x%s decodes exactly', (bits, value) => {
    expect(float16BitsToNumber(bits)).toBe(value);
  });

  it('keeps the sign of zero and decodes NaN', () => {
    expect(Object.is(float16BitsToNumber(0x8000), -0)).toBe(true);
    expect(float16BitsToNumber(0x7e00)).toBeNaN();
    expect(float16BitsToNumber(0xfc01)).toBeNaN();
  });
});

describe('float16 encoding (round to nearest, ties to even)', () => {
  it.each([
    ['one', 1, 0x3c00],
    ['largest finite', 65504, 0x7bff],
    ['just below the overflow tie', 65519, 0x7bff],
    ['overflow tie goes to infinity (65504 is odd)', 65520, 0x7c00],
    ['overflow', 1e6, 0x7c00],
    ['negative overflow', -1e6, 0xfc00],
    ['infinity', Infinity, 0x7c00],
    ['smallest subnormal', 2 ** -24, 0x0001],
    ['half the smallest subnormal ties to zero', 2 ** -25, 0x0000],
    ['just above that tie', 1.5 * 2 ** -25, 0x0001],
    ['subnormal tie 1.5 ulp goes to even 2', 3 * 2 ** -25, 0x0002],
    ['far below the subnormals', 2 ** -26, 0x0000],
    ['negative subnormal', -(2 ** -24), 0x8001],
    ['largest subnormal', 1023 * 2 ** -24, 0x03ff],
    ['tie between largest subnormal and smallest normal goes to even', 2 ** -14 - 2 ** -25, 0x0400],
    ['tie above 1 stays on even 1', 1 + 2 ** -11, 0x3c00],
    ['tie above 1+ulp goes up to even', 1 + 3 * 2 ** -11, 0x3c02],
    ['above a tie rounds up', 1 + 2 ** -11 + 2 ** -20, 0x3c01],
    ['mantissa carry into the exponent', 2 - 2 ** -12, 0x4000],
  ])('%s', (_label, value, bits) => {
    expect(numberToFloat16Bits(value)).toBe(bits);
  });

  it('keeps the sign of zero and produces NaN for NaN', () => {
    expect(numberToFloat16Bits(-0)).toBe(0x8000);
    expect(isHalfNaN(numberToFloat16Bits(NaN))).toBe(true);
  });

  it('round-trips every non-NaN half bit pattern, scalar and array forms agreeing', () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const widened = float16ToFloat32(all);
    const back = float32ToFloat16(widened);
    const wrong: number[] = [];
    for (let bits = 0; bits < 65536; bits++) {
      const ok = isHalfNaN(bits)
        ? isHalfNaN(back[bits]!) && Number.isNaN(widened[bits])
        : Object.is(widened[bits], float16BitsToNumber(bits)) && back[bits] === bits;
      if (!ok) wrong.push(bits);
    }
    expect(wrong).toEqual([]);
  });
});

describe('bfloat16', () => {
  it.each([
    ['one', 1, 0x3f80],
    ['tie stays on even', 1 + 2 ** -8, 0x3f80],
    ['tie goes up to even', 1 + 3 * 2 ** -8, 0x3f82],
    ['negative', -2.5, 0xc020],
    ['largest float32 rounds to infinity', 3.4028234663852886e38, 0x7f80],
    ['infinity', -Infinity, 0xff80],
    ['float32 subnormal', 2 ** -133, 0x0001],
  ])('%s', (_label, value, bits) => {
    expect(numberToBfloat16Bits(value)).toBe(bits);
  });

  it('keeps NaN a NaN even when truncation would give infinity', () => {
    const nan = new Float32Array(new Uint32Array([0x7f800001]).buffer)[0]!;
    const bits = numberToBfloat16Bits(nan);
    expect(bits & 0x7f80).toBe(0x7f80);
    expect(bits & 0x7f).not.toBe(0);
    expect(float32ToBfloat16(Float32Array.of(nan))[0]).toBe(bits);
  });

  it('round-trips every non-NaN bit pattern, scalar and array forms agreeing', () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const widened = bfloat16ToFloat32(all);
    const back = float32ToBfloat16(widened);
    const wrong: number[] = [];
    for (let bits = 0; bits < 65536; bits++) {
      if (Number.isNaN(widened[bits])) continue;
      if (!Object.is(widened[bits], bfloat16BitsToNumber(bits)) || back[bits] !== bits) wrong.push(bits);
    }
    expect(wrong).toEqual([]);
  });
});
