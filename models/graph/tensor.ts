/** Constant tensor data: construction from JS numbers, with length checks. */
import type { DType, TensorArray, TypedArrayOf } from './dtype.ts';
import type { TensorData } from './value.ts';

const count = (dims: readonly number[]): number => dims.reduce((p, d) => p * d, 1);

function allocate(dtype: DType, n: number): TensorArray {
  switch (dtype) {
    case 'float32': return new Float32Array(n);
    case 'float16': return new Uint16Array(n);
    case 'float64': return new Float64Array(n);
    case 'int64': return new BigInt64Array(n);
    case 'int32': return new Int32Array(n);
    case 'int8': return new Int8Array(n);
    case 'uint8': case 'bool': return new Uint8Array(n);
  }
}

/** Wraps a typed array as tensor data after checking its length matches the dims. */
export function tensor<T extends DType>(dtype: T, dims: readonly number[], data: TypedArrayOf[T]): TensorData {
  if (!dims.every((d) => Number.isInteger(d) && d >= 0)) throw new RangeError(`tensor: dims must be non-negative integers, got [${dims.join(', ')}]`);
  if (data.length !== count(dims)) throw new RangeError(`tensor: ${data.length} elements do not fill dims [${dims.join(', ')}]`);
  return { dtype, dims: [...dims], data };
}

/** Builds tensor data of any dtype from JS numbers (float16 values are given as numbers and rounded to half). */
export function tensorFrom(dtype: DType, dims: readonly number[], values: ArrayLike<number>): TensorData {
  const data = allocate(dtype, values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (data instanceof BigInt64Array) data[i] = BigInt(Math.trunc(v));
    else if (dtype === 'float16') data[i] = toHalfBits(v);
    else data[i] = dtype === 'bool' ? Number(v !== 0) : v;
  }
  return tensor(dtype, dims, data as TypedArrayOf[typeof dtype]);
}

/** A 1-D int64 tensor, the form ONNX uses for shapes, axes and indices. */
export const int64s = (values: readonly number[]): TensorData => tensorFrom('int64', [values.length], values);

/** A 1-D float32 tensor. */
export const float32s = (values: readonly number[]): TensorData => tensorFrom('float32', [values.length], values);

/** A rank-0 tensor holding one value. */
export const scalar = (dtype: DType, value: number): TensorData => tensorFrom(dtype, [], [value]);

/** Reads integer tensor data (int64/int32/...) as JS numbers, e.g. a constant shape or axes. */
export function toNumbers(t: TensorData): number[] {
  return Array.from(t.data as ArrayLike<number | bigint>, (v) => Number(v));
}

/** Rounds a number to the nearest IEEE 754 half and returns its 16 bits. */
export function toHalfBits(value: number): number {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0] as number;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && half & 1) ? 1 : 0));
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++; // a carry may round up into the exponent, even to infinity
  return sign | half;
}
