/** Named float32 weights addressed by their diffusers state-dict keys, from safetensors files or test fixtures. */
import type { SafetensorsReader } from '../io/index.ts';

/** One weight tensor: its dims and float32 elements in row-major order. */
export interface WeightTensor {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

/** A read-only map from state-dict key (e.g. `encoder.conv_in.weight`) to a weight tensor. */
export interface WeightSource {
  /** Every key this source holds. */
  readonly names: readonly string[];
  /** Whether a key is present. */
  has(name: string): boolean;
  /** The tensor for a key; throws MissingWeightError when absent. */
  get(name: string): WeightTensor;
}

/** Thrown when an architecture asks for a weight the checkpoint does not have. */
export class MissingWeightError extends Error {
  override name = 'MissingWeightError';
  constructor(readonly key: string, where = 'weights') {
    super(`${where}: no tensor named "${key}"`);
  }
}

/** A weight source over an in-memory map (fixtures, tests, weights read ahead of graph building). */
export class MapWeightSource implements WeightSource {
  private readonly map: Map<string, WeightTensor>;

  constructor(entries: Iterable<[string, WeightTensor]>, private readonly label = 'weights') {
    this.map = new Map(entries);
  }

  get names(): readonly string[] {
    return [...this.map.keys()];
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  get(name: string): WeightTensor {
    const t = this.map.get(name);
    if (!t) throw new MissingWeightError(name, this.label);
    return t;
  }
}

/** Options of `readWeights`. */
export interface ReadWeightsOptions {
  /** Only keys starting with this prefix are read, and the prefix is removed (e.g. `transformer.`). */
  prefix?: string;
  /** Further selects keys (after the prefix is removed). */
  filter?: (name: string) => boolean;
}

/** Reads float tensors of an open safetensors checkpoint into memory as float32 (F16/BF16 widened). */
export async function readWeights(reader: SafetensorsReader, options: ReadWeightsOptions = {}): Promise<MapWeightSource> {
  const prefix = options.prefix ?? '';
  const entries: [string, WeightTensor][] = [];
  for (const stored of reader.names) {
    if (!stored.startsWith(prefix)) continue;
    const name = stored.slice(prefix.length);
    if (options.filter && !options.filter(name)) continue;
    const info = reader.info(stored);
    entries.push([name, { dims: [...info.shape], data: await reader.readFloat32(stored) }]);
  }
  return new MapWeightSource(entries, 'checkpoint');
}

/** A view of the keys under a prefix, with the prefix removed (`vae.` → the VAE's own keys). */
export function withoutPrefix(source: WeightSource, prefix: string): WeightSource {
  const names = source.names.filter((n) => n.startsWith(prefix)).map((n) => n.slice(prefix.length));
  return {
    names,
    has: (name) => source.has(prefix + name),
    get: (name) => source.get(prefix + name),
  };
}

/** Element count of dims. */
export const elementCount = (dims: readonly number[]): number => dims.reduce((p, d) => p * d, 1);
