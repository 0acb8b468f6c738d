/** Element types a graph value can carry, with their ONNX codes and JS storage. */

/** The element type of a tensor value. */
export type DType = 'float32' | 'float16' | 'float64' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';

/** JS storage for each element type (float16 as raw IEEE half bits, bool as 0/1 bytes). */
export interface TypedArrayOf {
  float32: Float32Array;
  float16: Uint16Array;
  float64: Float64Array;
  int64: BigInt64Array;
  int32: Int32Array;
  int8: Int8Array;
  uint8: Uint8Array;
  bool: Uint8Array;
}

/** Any typed array that can hold tensor elements. */
export type TensorArray = TypedArrayOf[DType];

/** ONNX TensorProto.DataType codes for each element type. */
export const ONNX_DTYPE_CODE: Readonly<Record<DType, number>> = Object.freeze({
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
});

/** Bytes per element of each element type. */
export const DTYPE_BYTES: Readonly<Record<DType, number>> = Object.freeze({
  float32: 4,
  float16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  int8: 1,
  uint8: 1,
  bool: 1,
});

const FLOAT_TYPES: readonly DType[] = ['float32', 'float16', 'float64'];
const INTEGER_TYPES: readonly DType[] = ['int64', 'int32', 'int8', 'uint8'];

/** True for floating-point element types. */
export const isFloat = (t: DType): boolean => FLOAT_TYPES.includes(t);

/** True for integer element types (not bool). */
export const isInteger = (t: DType): boolean => INTEGER_TYPES.includes(t);

/** True for numeric (float or integer) element types. */
export const isNumeric = (t: DType): boolean => isFloat(t) || isInteger(t);
