/** Turns weight keys into graph values: initializers by default, graph inputs when asked (training), plus LoRA branches. */
import { tensor, type Graph, type Value } from '../../graph/index.ts';
import type { WeightSource, WeightTensor } from '../weights.ts';

/** LoRA factors added as separate graph inputs `<module>.lora_A.weight` / `<module>.lora_B.weight` (for training). */
export interface LoraInputSpec {
  /** Module keys (e.g. `transformer_blocks.0.attn.to_q`) that get a LoRA branch. */
  modules: (moduleKey: string) => boolean;
  rank: number;
  /** Branch scale is alpha / rank (peft's `lora_alpha`). */
  alpha: number;
}

/** How an architecture function turns weights into graph values. */
export interface BuildOptions {
  /** Weights whose key this accepts become float32 graph inputs named by the key, instead of initializers. */
  asInput?: (key: string) => boolean;
  /** LoRA branches as separate graph inputs. */
  loraInputs?: LoraInputSpec;
  /** Prepended to every weight's value name, so several models can share one graph. */
  namePrefix?: string;
}

/** A LoRA branch of one module: the two factor values and the scale alpha / rank. */
export interface LoraBranch {
  a: Value;
  b: Value;
  scale: number;
}

/** Weight lookup for one graph: each key becomes one value, created on first use. */
export class Params {
  private readonly values = new Map<string, Value>();

  constructor(readonly g: Graph, readonly weights: WeightSource, readonly options: BuildOptions = {}) {}

  /** Whether the checkpoint holds this key. */
  has(key: string): boolean {
    return this.weights.has(key);
  }

  /** The weight's dims as stored. */
  dims(key: string): readonly number[] {
    return this.weights.get(key).dims;
  }

  /** The value for a weight key (initializer or graph input), optionally checking its dims. */
  get(key: string, expectDims?: readonly number[]): Value {
    const cached = this.values.get(key);
    if (cached) return cached;
    const w = this.weights.get(key);
    if (expectDims && (expectDims.length !== w.dims.length || expectDims.some((d, i) => d !== w.dims[i]))) {
      throw new Error(`weight ${key}: expected dims [${expectDims.join(', ')}], checkpoint has [${w.dims.join(', ')}]`);
    }
    const v = this.create(key, w);
    this.values.set(key, v);
    return v;
  }

  /** The LoRA branch of a module when LoRA inputs were asked for and the module is a target; null otherwise. */
  lora(moduleKey: string): LoraBranch | null {
    const spec = this.options.loraInputs;
    if (!spec || !spec.modules(moduleKey)) return null;
    const [out, inp, ...kernel] = this.dims(`${moduleKey}.weight`) as number[];
    const name = (suffix: string): string => `${this.options.namePrefix ?? ''}${moduleKey}.${suffix}`;
    const a = this.g.input(name('lora_A.weight'), 'float32', [spec.rank, inp as number, ...kernel]);
    const b = this.g.input(name('lora_B.weight'), 'float32', [out as number, spec.rank, ...kernel.map(() => 1)]);
    return { a, b, scale: spec.alpha / spec.rank };
  }

  private create(key: string, w: WeightTensor): Value {
    const name = `${this.options.namePrefix ?? ''}${key}`;
    if (this.options.asInput?.(key)) return this.g.input(name, 'float32', w.dims);
    return this.g.initializer(name, tensor('float32', w.dims, w.data));
  }
}
