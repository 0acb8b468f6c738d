/**
 * The parts of a peft `LoraConfig` that set each module's LoRA scale, read from `adapter_config.json` or from
 * diffusers' `lora_adapter_metadata`, and resolved per module exactly as peft's `LoraModel._create_and_replace` does:
 * `rank_pattern` / `alpha_pattern` override `r` / `lora_alpha`, and the scale is alpha / r, or alpha / √r with `use_rslora`.
 */
import { ImportError } from './errors.ts';

/** peft's `LoraConfig` defaults, used as peft uses them when a config leaves a field out. */
const PEFT_DEFAULT_RANK = 8;
const PEFT_DEFAULT_ALPHA = 8;

/** One `rank_pattern` / `alpha_pattern` entry: the key as written, compiled as peft matches it, and its value. */
export interface PeftPattern {
  readonly key: string;
  readonly regex: RegExp;
  readonly value: number;
}

/** The scale-setting fields of one peft LoRA config. */
export interface PeftScaleConfig {
  /** Where it was read, for messages (a path, or a file and its metadata key). */
  readonly source: string;
  readonly rank: number;
  readonly alpha: number;
  readonly rankPattern: readonly PeftPattern[];
  readonly alphaPattern: readonly PeftPattern[];
  readonly rslora: boolean;
  /** Fields the config left out and peft's defaults filled (`r`, `lora_alpha`), for the log. */
  readonly defaulted: readonly string[];
}

/** A module's rank and alpha under a config, and whether its scale divides by √r (rsLoRA) instead of r. */
export interface PeftModuleScale {
  readonly rank: number;
  readonly alpha: number;
  readonly rslora: boolean;
}

/**
 * peft's `get_pattern_key` as a regular expression: a pattern key matches a module key when the whole module key, or
 * the part after one of its dots, matches the key (`re.match(rf"(.*\.)?({key})$", module)`); `^key` pins it to the start.
 */
export function peftPatternRegex(key: string, source: string): RegExp {
  try {
    return new RegExp(`^(.*\\.)?(${key})$`);
  } catch (error) {
    throw new ImportError(`${source}: pattern key "${key}" is not a regular expression this importer can read (${(error as Error).message})`);
  }
}

/** A key JSON.parse moves to the front of an object (an array index), so its file order is lost. */
const isArrayIndex = (key: string): boolean => /^(0|[1-9]\d{0,9})$/.test(key) && Number(key) < 2 ** 32 - 1;

/**
 * The value of the first pattern (in file order) matching a module key, as peft picks it, or undefined for none.
 * Refused when matching patterns disagree and one of them is an array-index key, whose file order JSON.parse loses.
 */
export function peftPatternValue(patterns: readonly PeftPattern[], moduleKey: string, source: string): number | undefined {
  const matches = patterns.filter((p) => p.regex.test(moduleKey));
  const first = matches[0];
  if (first && matches.some((p) => p.value !== first.value) && matches.some((p) => isArrayIndex(p.key))) {
    throw new ImportError(`${source}: patterns ${matches.map((p) => `"${p.key}"`).join(', ')} all match ${moduleKey} with different values, and the order of a numeric key is not kept; make one pattern match it`);
  }
  return first?.value;
}

/** A module's rank, alpha and rsLoRA flag under a config. */
export function peftModuleScale(config: PeftScaleConfig, moduleKey: string): PeftModuleScale {
  return {
    rank: peftPatternValue(config.rankPattern, moduleKey, config.source) ?? config.rank,
    alpha: peftPatternValue(config.alphaPattern, moduleKey, config.source) ?? config.alpha,
    rslora: config.rslora,
  };
}

function patterns(json: Record<string, unknown>, field: 'rank_pattern' | 'alpha_pattern', source: string): PeftPattern[] {
  const value = json[field];
  if (value === undefined || value === null) return [];
  if (typeof value !== 'object' || Array.isArray(value)) throw new ImportError(`${source}: ${field} must be an object of pattern → number`);
  return Object.entries(value as Record<string, unknown>).map(([key, v]) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ImportError(`${source}: ${field}["${key}"] must be a number`);
    if (field === 'rank_pattern' && !(Number.isInteger(v) && v > 0)) throw new ImportError(`${source}: ${field}["${key}"] must be a positive whole number`);
    return { key, regex: peftPatternRegex(key, source), value: v };
  });
}

/** Reads a peft LoRA config object; adapters merging cannot express (DoRA, LoRA bias, other peft types) are refused. */
export function peftScaleConfig(json: Record<string, unknown>, source: string): PeftScaleConfig {
  const { peft_type: type, use_dora: dora, lora_bias: bias, r, lora_alpha: alpha, use_rslora: rslora } = json;
  if (type !== undefined && type !== 'LORA') throw new ImportError(`${source}: peft_type ${JSON.stringify(type)}: only LoRA adapters are imported`);
  if (dora === true) throw new ImportError(`${source}: use_dora is set: a DoRA adapter rescales each weight by a learned magnitude and is not merged by this importer`);
  if (bias === true) throw new ImportError(`${source}: lora_bias is set: LoRA bias terms are not merged by this importer`);
  if (r !== undefined && !(typeof r === 'number' && Number.isInteger(r) && r > 0)) throw new ImportError(`${source}: r must be a positive whole number`);
  if (alpha !== undefined && !(typeof alpha === 'number' && Number.isFinite(alpha))) throw new ImportError(`${source}: lora_alpha must be a number`);
  if (rslora !== undefined && typeof rslora !== 'boolean') throw new ImportError(`${source}: use_rslora must be true or false`);
  return {
    source,
    rank: r ?? PEFT_DEFAULT_RANK,
    alpha: alpha ?? PEFT_DEFAULT_ALPHA,
    rankPattern: patterns(json, 'rank_pattern', source),
    alphaPattern: patterns(json, 'alpha_pattern', source),
    rslora: rslora ?? false,
    defaulted: [r === undefined ? `r ${PEFT_DEFAULT_RANK}` : '', alpha === undefined ? `lora_alpha ${PEFT_DEFAULT_ALPHA}` : ''].filter(Boolean),
  };
}
