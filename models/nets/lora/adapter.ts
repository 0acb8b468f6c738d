/** LoRA adapters in peft's layout (`<module>.lora_A.weight` / `<module>.lora_B.weight`), as TSD-SR and diffusers save them. */
import type { LoraInputSpec } from '../internal/params.ts';
import type { WeightSource, WeightTensor } from '../weights.ts';

/** One adapted module: down factor A [r, in, ...k], up factor B [out, r, ...1], and peft's alpha (scale = alpha / r). */
export interface LoraModule {
  readonly a: WeightTensor;
  readonly b: WeightTensor;
  readonly rank: number;
  readonly alpha: number;
}

/** A LoRA adapter: module key (diffusers naming, e.g. `transformer_blocks.0.attn.to_q`) → factors. */
export interface LoraAdapter {
  readonly modules: ReadonlyMap<string, LoraModule>;
}

/**
 * Prefixes removed from saved keys: peft's `base_model.model.` and the pipeline component names. TSD-SR's
 * `load_lora_state_dict` prefixes both its files (transformer and VAE) with `transformer.`.
 */
export const LORA_KEY_PREFIXES: readonly string[] = Object.freeze(['base_model.model.', 'transformer.', 'vae.', 'unet.']);

const FACTOR = /^(.+)\.lora_([AB])(?:\.[A-Za-z0-9_-]+)?\.weight$/; // optional adapter name, e.g. `.lora_A.default.weight`

/** Splits a saved key into its module key (prefixes removed) and factor, or null for keys that are not LoRA factors. */
export function parseLoraKey(key: string): { module: string; factor: 'A' | 'B' } | null {
  const m = FACTOR.exec(key);
  if (!m) return null;
  let module = m[1] as string;
  for (let stripped = true; stripped;) {
    const prefix = LORA_KEY_PREFIXES.find((p) => module.startsWith(p));
    stripped = prefix !== undefined;
    if (prefix) module = module.slice(prefix.length);
  }
  return { module, factor: m[2] as 'A' | 'B' };
}

/** Options of `loraFromWeights`. */
export interface LoraOptions {
  /** peft's `lora_alpha`, one number or per module; default: the rank (scale 1), as TSD-SR trains. */
  alpha?: number | ((module: string) => number);
}

/** Collects the LoRA factors of a weight source (e.g. TSD-SR's `transformer.safetensors`) into an adapter. */
export function loraFromWeights(source: WeightSource, options: LoraOptions = {}): LoraAdapter {
  const pairs = new Map<string, { A?: WeightTensor; B?: WeightTensor }>();
  for (const key of source.names) {
    const parsed = parseLoraKey(key);
    if (!parsed) continue;
    const entry = pairs.get(parsed.module) ?? {};
    if (entry[parsed.factor]) throw new Error(`LoRA: two lora_${parsed.factor} tensors for module ${parsed.module}`);
    entry[parsed.factor] = source.get(key);
    pairs.set(parsed.module, entry);
  }
  const modules = new Map<string, LoraModule>();
  for (const [module, { A, B }] of pairs) {
    if (!A || !B) throw new Error(`LoRA: module ${module} has lora_${A ? 'A' : 'B'} but no lora_${A ? 'B' : 'A'}`);
    const rank = A.dims[0] as number;
    if (B.dims[1] !== rank) throw new Error(`LoRA: module ${module}: lora_A rank ${rank} but lora_B is [${B.dims.join(', ')}]`);
    const alpha = typeof options.alpha === 'function' ? options.alpha(module) : (options.alpha ?? rank);
    modules.set(module, { a: A, b: B, rank, alpha });
  }
  return { modules };
}

/** The fields of a peft `adapter_config.json` that matter here. */
export interface PeftLoraConfig {
  rank: number;
  alpha: number;
  targetModules: string[];
}

/** Reads peft's `adapter_config.json` (`r`, `lora_alpha`, `target_modules`). */
export function peftConfigFromJson(json: Record<string, unknown>): PeftLoraConfig {
  const { r, lora_alpha: alpha, target_modules: targets } = json;
  if (typeof r !== 'number' || typeof alpha !== 'number') throw new Error('adapter_config.json: r and lora_alpha must be numbers');
  const list = typeof targets === 'string' ? [targets] : targets;
  if (!Array.isArray(list) || !list.every((t) => typeof t === 'string')) throw new Error('adapter_config.json: target_modules must be a list of names');
  return { rank: r, alpha, targetModules: list as string[] };
}

/** peft's matching rule for `target_modules`: a module matches a target equal to its key or ending its key after a dot. */
export function peftTargetMatcher(targets: readonly string[]): (moduleKey: string) => boolean {
  return (key) => targets.some((t) => key === t || key.endsWith(`.${t}`));
}

/** LoRA branches as graph inputs (training) for peft-style targets, e.g. TSD-SR's transformer list with rank 64, alpha 64. */
export function loraInputSpec(targets: readonly string[], rank: number, alpha = rank): LoraInputSpec {
  return { modules: peftTargetMatcher(targets), rank, alpha };
}

/** The transformer modules TSD-SR adapts (its `LoraConfig.target_modules`). */
export const TSDSR_TRANSFORMER_TARGETS: readonly string[] = Object.freeze([
  'to_k', 'to_q', 'to_v', 'to_out.0', 'add_q_proj', 'add_k_proj', 'add_v_proj', 'proj', 'linear', 'proj_out',
]);
