/** Helpers shared by the stages: random feeds, value ranges, LoRA initialisation. */
import { mul, reduceMean, sub, unsqueeze, type Graph, type Value } from '../../../../models/graph/index.ts';
import type { Rng } from '../../data/index.ts';
import type { FloatTensor } from '../train-session.ts';

/** A tensor of standard normal draws. */
export function normalTensor(rng: Rng, dims: readonly number[]): FloatTensor {
  const n = dims.reduce((p, d) => p * d, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.normal();
  return { dims, data };
}

/** Images in [0, 1] → [−1, 1] as a tensor. */
export function signedImages(data: Float32Array, dims: readonly number[]): FloatTensor {
  return { dims, data: data.map((x) => 2 * x - 1) };
}

/** A [B] or [1] float tensor from numbers. */
export const vector = (values: readonly number[]): FloatTensor => ({ dims: [values.length], data: Float32Array.from(values) });

/** [B] → [B, 1, 1, 1], to scale latents per sample. */
export const perSample = (g: Graph, v: Value): Value => unsqueeze(g, v, [1, 2, 3]);

/** mean((a − b)²). */
export function mse(g: Graph, a: Value, b: Value): Value {
  const d = sub(g, a, b);
  return reduceMean(g, mul(g, d, d), { keepdims: false });
}

/** Initial LoRA factors for every `…lora_A.weight` / `…lora_B.weight` input: A ~ N(0, 1/fan_in), B = 0 (peft starts at the base model). */
export function initLoraInputs(g: Graph, isMine: (name: string) => boolean, rng: Rng): Map<string, FloatTensor> {
  const out = new Map<string, FloatTensor>();
  for (const v of g.inputs) {
    if (!isMine(v.name) || !/\.lora_[AB]\.weight$/.test(v.name)) continue;
    const dims = v.shape as number[];
    const n = dims.reduce((p, d) => p * d, 1);
    if (v.name.endsWith('lora_B.weight')) {
      out.set(v.name, { dims, data: new Float32Array(n) });
      continue;
    }
    const std = 1 / Math.sqrt(n / (dims[0] as number));
    out.set(v.name, { dims, data: Float32Array.from({ length: n }, () => std * rng.normal()) });
  }
  return out;
}

/** The first image of an [n, 3, s, s] array, mapped from [−1, 1] to [0, 1]. */
export function unitImage(data: Float32Array, sizePx: number): { data: Float32Array; sizePx: number } {
  return { data: data.slice(0, 3 * sizePx * sizePx).map((x) => 0.5 * x + 0.5), sizePx };
}
