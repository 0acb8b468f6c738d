/**
 * ncnn's `.bin`: every layer's weights one after another, in layer order, each buffer 4-byte aligned. A
 * convolution's weight data starts with a 4-byte tag saying how it is stored (0: float32, 0x01306B47: float16,
 * 0x0002C056: float32; anything else is int8 or a quantisation table, which are refused); biases, slopes and
 * other small arrays are plain float32 without a tag.
 */
import { ImportError } from '../errors.ts';

/** Tag of float16 weight data. */
export const NCNN_FP16_TAG = 0x01306b47;
/** Tag of float32 weight data written with extra scaling by ncnn's tools (plain float32 all the same). */
const FP32_SCALED_TAG = 0x0002c056;
/** Tag of int8 weight data. */
const INT8_TAG = 0x000d4b38;

/** Weights as stored: float16 bits or float32 values. */
export type NcnnWeights = { dtype: 'float16'; data: Uint16Array } | { dtype: 'float32'; data: Float32Array };

/** An aligned copy (a Buffer's slice() would share the file's memory at any offset). */
const copyBytes = (view: Uint8Array): Uint8Array => new Uint8Array(view);

const align4 = (n: number): number => Math.ceil(n / 4) * 4;

/** Reads a `.bin` front to back, as ncnn's ModelBin does while layers load. */
export class NcnnWeightReader {
  private offset = 0;

  constructor(private readonly bytes: Uint8Array, private readonly file: string) {}

  /** Bytes not read yet (a well-formed file ends with none). */
  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  private take(byteCount: number, what: string): Uint8Array {
    if (this.offset + byteCount > this.bytes.length) {
      throw new ImportError(`${this.file}: ends at byte ${this.bytes.length} while reading ${what} (${byteCount} bytes at ${this.offset}); the .bin does not match the .param`);
    }
    const view = this.bytes.subarray(this.offset, this.offset + byteCount);
    this.offset += byteCount;
    return view;
  }

  /** `count` plain float32 values (ncnn's `load(w, 1)`): biases, slopes. */
  float32(count: number, what: string): Float32Array {
    const view = this.take(count * 4, what);
    return new Float32Array(copyBytes(view).buffer);
  }

  /** `count` weights behind a storage tag (ncnn's `load(w, 0)`); quantised storage is refused. */
  tagged(count: number, what: string): NcnnWeights {
    const tagBytes = this.take(4, `the storage tag of ${what}`);
    const tag = new DataView(tagBytes.buffer, tagBytes.byteOffset, 4).getUint32(0, true);
    if (tag === NCNN_FP16_TAG) {
      const view = this.take(align4(count * 2), what);
      return { dtype: 'float16', data: new Uint16Array(copyBytes(view.subarray(0, count * 2)).buffer) };
    }
    if (tag === 0 || tag === FP32_SCALED_TAG) return { dtype: 'float32', data: this.float32(count, what) };
    const kind = tag === INT8_TAG ? 'int8' : 'quantised (a 256-entry table and 8-bit indices)';
    throw new ImportError(`${this.file}: ${what} is stored as ${kind} (tag 0x${tag.toString(16).padStart(8, '0')}); only float32 and float16 ncnn models can be imported — convert the model without quantisation`);
  }
}
