// Tiny LoRA files written in the test: seeded factors, peft or TSD-SR key layouts, alpha tensors, configs and metadata.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeSafetensors, type SafetensorsDType, type TensorToWrite } from '../../models/io/index.ts';
import type { WeightTensor } from '../../models/nets/index.ts';

/** A fresh temporary folder. */
export const tempDir = (): string => mkdtempSync(join(tmpdir(), 'tsdsr-lora-'));

/** Seeded values in [-1, 1) (a linear congruential generator), so every run writes the same factors. */
export function seededTensor(dims: readonly number[], seed: number): WeightTensor {
  const data = new Float32Array(dims.reduce((p, d) => p * d, 1));
  let state = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    data[i] = state / 2 ** 31 - 1;
  }
  return { dims, data };
}

/** One tensor of a LoRA file: float32 values, or a scalar in another type (alphas as kohya writes them). */
export type FileTensor = WeightTensor | { dims: number[]; dtype: SafetensorsDType; value: number };

function toWrite(name: string, t: FileTensor): TensorToWrite {
  if ('data' in t) return { name, dtype: 'F32', shape: t.dims, data: t.data };
  const bytes = { F64: new Float64Array([t.value]), F32: new Float32Array([t.value]), I64: new BigInt64Array([BigInt(t.value)]), I32: new Int32Array([t.value]) }[t.dtype as 'F32'];
  if (!bytes) throw new Error(`test helper: no writer for ${t.dtype}`);
  return { name, dtype: t.dtype, shape: t.dims, data: bytes };
}

/** Writes a safetensors file (folders created), with optional string metadata. */
export async function writeLoraFile(path: string, tensors: Record<string, FileTensor>, metadata?: Record<string, string>): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  await writeSafetensors(path, Object.entries(tensors).map(([name, t]) => toWrite(name, t)), metadata);
}

/** Writes a JSON file (folders created). */
export function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(value, null, 2));
}

/** Independently computed merge: W + scale · B·A, B viewed as [out, r] and A as [r, in·k·k], in float64. */
export function expectedMerge(base: WeightTensor, a: WeightTensor, b: WeightTensor, scale: number): Float64Array {
  const out = base.dims[0]!;
  const rank = a.dims[0]!;
  const cols = base.data.length / out;
  const merged = Float64Array.from(base.data);
  for (let o = 0; o < out; o++) {
    for (let j = 0; j < cols; j++) {
      let delta = 0;
      for (let r = 0; r < rank; r++) delta += b.data[o * rank + r]! * a.data[r * cols + j]!;
      merged[o * cols + j]! += scale * delta;
    }
  }
  return merged;
}

/** max |a − b|. */
export const maxAbsDifference = (a: ArrayLike<number>, b: ArrayLike<number>): number =>
  Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
