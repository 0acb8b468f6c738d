/** Merging a LoRA adapter into base weights: W + (alpha / r) · B · A, for linear and conv layers alike. */
import { elementCount, type WeightSource, type WeightTensor } from '../weights.ts';
import type { LoraAdapter, LoraModule } from './adapter.ts';

/** Options of `mergeLora`. */
export interface MergeOptions {
  /** Extra factor on every module's alpha / r (peft's adapter `scale`); default 1. */
  multiplier?: number;
  /** Skip adapter modules the base lacks (e.g. `quant_conv` against SD3's VAE) instead of failing. */
  allowMissing?: boolean;
}

function checkShapes(module: string, base: WeightTensor, lora: LoraModule): void {
  const [out, inp, ...kernel] = base.dims;
  const fail = (what: string): never => {
    throw new Error(`LoRA ${module}: ${what} (base [${base.dims.join(', ')}], lora_A [${lora.a.dims.join(', ')}], lora_B [${lora.b.dims.join(', ')}])`);
  };
  if (lora.a.dims[1] !== inp || lora.a.dims.slice(2).join() !== kernel.join()) fail('lora_A does not fit the base weight');
  if (lora.b.dims[0] !== out || lora.b.dims.slice(2).some((d) => d !== 1) || lora.b.dims.length !== base.dims.length) fail('lora_B does not fit the base weight');
}

/** W + scale · B · A with B viewed as [out, r] and A as [r, in·k·k] (peft's conv LoRA: A a conv, B a 1×1 conv). */
export function mergedWeight(base: WeightTensor, lora: LoraModule, scale: number): WeightTensor {
  const out = base.dims[0] as number;
  const cols = elementCount(base.dims) / out;
  const { rank } = lora;
  const merged = Float32Array.from(base.data);
  const [a, b] = [lora.a.data, lora.b.data];
  for (let o = 0; o < out; o++) {
    const row = new Float64Array(cols);
    for (let r = 0; r < rank; r++) {
      const coef = b[o * rank + r] as number;
      for (let j = 0; j < cols; j++) row[j]! += coef * (a[r * cols + j] as number);
    }
    for (let j = 0; j < cols; j++) merged[o * cols + j]! += scale * (row[j] as number);
  }
  return { dims: base.dims, data: merged };
}

/** A weight source whose adapted `<module>.weight` tensors have the LoRA merged in (computed when first read). */
export function mergeLora(base: WeightSource, adapter: LoraAdapter, options: MergeOptions = {}): WeightSource {
  const pending = new Map<string, [string, LoraModule]>();
  for (const [module, lora] of adapter.modules) {
    const key = `${module}.weight`;
    if (!base.has(key)) {
      if (options.allowMissing) continue;
      throw new Error(`LoRA: the base weights have no ${key} for adapted module ${module}`);
    }
    checkShapes(module, base.get(key), lora);
    pending.set(key, [module, lora]);
  }
  const cache = new Map<string, WeightTensor>();
  return {
    names: base.names,
    has: (name) => base.has(name),
    get(name) {
      const entry = pending.get(name);
      if (!entry) return base.get(name);
      let t = cache.get(name);
      if (!t) cache.set(name, (t = mergedWeight(base.get(name), entry[1], (entry[1].alpha / entry[1].rank) * (options.multiplier ?? 1))));
      return t;
    },
  };
}
