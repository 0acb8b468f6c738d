/** Conversions between float32 and the 16-bit float formats (IEEE half and bfloat16), on raw bit patterns. */

const scratch = new DataView(new ArrayBuffer(4));

function float32Bits(value: number): number {
  scratch.setFloat32(0, value, true);
  return scratch.getUint32(0, true);
}

function bitsToFloat32(bits: number): number {
  scratch.setUint32(0, bits >>> 0, true);
  return scratch.getFloat32(0, true);
}

/** Decodes one IEEE half-precision bit pattern to its (exact) number value. */
export function float16BitsToNumber(half: number): number {
  const sign = half & 0x8000 ? -1 : 1;
  const exponent = (half >> 10) & 0x1f;
  const mantissa = half & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

/** Rounds a value (first to float32, as it is stored) to the nearest IEEE half, ties to even; returns its bits. */
export function numberToFloat16Bits(value: number): number {
  return float32BitsToFloat16Bits(float32Bits(value));
}

/** Float32 bits to half bits: nearest with ties to even, overflow to ±inf, NaN stays a quiet NaN. */
function float32BitsToFloat16Bits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 | (mantissa >>> 13) : 0);
  const halfExponent = exponent - 112;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    if (halfExponent < -10) return sign;
    return sign | roundShiftEven(mantissa | 0x800000, 14 - halfExponent);
  }
  return sign | roundShiftEven((halfExponent << 23) | mantissa, 13);
}

/** Shifts right by `shift` bits, rounding to nearest with ties to even (a carry may ripple into the exponent). */
function roundShiftEven(value: number, shift: number): number {
  const half = 1 << (shift - 1);
  const remainder = value & ((1 << shift) - 1);
  let quotient = value >>> shift;
  if (remainder > half || (remainder === half && quotient & 1)) quotient += 1;
  return quotient;
}

/** Decodes one bfloat16 bit pattern to its number value. */
export function bfloat16BitsToNumber(bf16: number): number {
  return bitsToFloat32((bf16 & 0xffff) << 16);
}

/** Rounds a number to the nearest bfloat16 (ties to even; NaN stays a quiet NaN) and returns its bits. */
export function numberToBfloat16Bits(value: number): number {
  const bits = float32Bits(value);
  if ((bits & 0x7fffffff) > 0x7f800000) return (bits >>> 16) | 0x40;
  return (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
}

let halfTable: Float32Array | undefined;

/** All 65536 half values as float32, built on first use (256 KiB). */
function float16Table(): Float32Array {
  if (halfTable) return halfTable;
  halfTable = new Float32Array(65536);
  for (let bits = 0; bits < 65536; bits++) halfTable[bits] = float16BitsToNumber(bits);
  return halfTable;
}

/** Widens IEEE half bit patterns to float32 values, into `out` when given (same length). */
export function float16ToFloat32(half: Uint16Array, out = new Float32Array(half.length)): Float32Array {
  const table = float16Table();
  for (let i = 0; i < half.length; i++) out[i] = table[half[i]!]!;
  return out;
}

/** Widens bfloat16 bit patterns to float32 values, into `out` when given (same length). */
export function bfloat16ToFloat32(bf16: Uint16Array, out = new Float32Array(bf16.length)): Float32Array {
  const outBits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < bf16.length; i++) outBits[i] = bf16[i]! << 16;
  return out;
}

/** Rounds float32 values to IEEE half bit patterns (nearest, ties to even), for fp16 export. */
export function float32ToFloat16(values: Float32Array, out = new Uint16Array(values.length)): Uint16Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32BitsToFloat16Bits(bits[i]!);
  return out;
}

/** Rounds float32 values to bfloat16 bit patterns (nearest, ties to even). */
export function float32ToBfloat16(values: Float32Array, out = new Uint16Array(values.length)): Uint16Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < values.length; i++) {
    const x = bits[i]!;
    out[i] = (x & 0x7fffffff) > 0x7f800000 ? (x >>> 16) | 0x40 : (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
  }
  return out;
}
