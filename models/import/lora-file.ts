/**
 * One model's LoRA file for the import: found in TSD-SR's layout (`<lora>/<model>.safetensors`) or peft's
 * (`<lora>/<model>/adapter_model.safetensors` + `adapter_config.json`), its keys checked, every module's scale
 * resolved from what the files say (lora-alpha.ts) before any heavy work, then its factors read for merging.
 */
import { join } from 'node:path';
import { openSafetensors, type SafetensorsReader } from '../io/index.ts';
import { loraFromWeights, parseLoraKey, readWeights, type LoraAdapter } from '../nets/index.ts';
import { ImportError } from './errors.ts';
import { exists, readJson } from './internal/files.ts';
import { resolveLoraScales, type AlphaSetting } from './lora-alpha.ts';
import { peftScaleConfig, type PeftScaleConfig } from './peft-config.ts';
import { isTsdsrReleaseLayout, type LoraComponent } from './tsdsr-release.ts';

/** Where one model's LoRA is: the weights, in which layout, and (peft's layout) its adapter_config.json if present. */
export interface LoraLocation {
  readonly layout: 'tsdsr' | 'peft';
  readonly weights: string;
  readonly config?: string;
}

/** A checked LoRA file with every module's rank and scale known; `readLoraAdapter` reads its factors. */
export interface LoraPlan {
  readonly component: LoraComponent;
  readonly weights: string;
  readonly ranks: ReadonlyMap<string, number>;
  readonly scales: ReadonlyMap<string, number>;
  /** Where the scales came from, for the log and the manifest. */
  readonly summary: string;
}

/** diffusers' safetensors metadata key holding the LoRA config as JSON. */
const DIFFUSERS_METADATA_KEY = 'lora_adapter_metadata';
const ALPHA_KEY = /^(.+)\.alpha$/;

/** Finds a model's LoRA under `--lora`, refusing ambiguous layouts and files this importer cannot read. */
export async function locateLora(dir: string, component: LoraComponent): Promise<LoraLocation> {
  const release = join(dir, `${component}.safetensors`);
  const peft = join(dir, component, 'adapter_model.safetensors');
  const [hasRelease, hasPeft] = [await exists(release), await exists(peft)];
  if (hasRelease && hasPeft) throw new ImportError(`both ${release} and ${peft} exist: keep one ${component} LoRA`);
  if (hasRelease) {
    const shared = join(dir, 'adapter_config.json');
    if (await exists(shared)) throw new ImportError(`${shared}: one adapter_config.json cannot describe both LoRA files; put each model's adapter in <lora>/transformer/ and <lora>/vae/ as peft's save_pretrained writes it`);
    return { layout: 'tsdsr', weights: release };
  }
  if (hasPeft) {
    const config = join(dir, component, 'adapter_config.json');
    return { layout: 'peft', weights: peft, ...((await exists(config)) ? { config } : {}) };
  }
  for (const other of [`${component}.pt`, `${component}.bin`, `${component}.ckpt`, join(component, 'adapter_model.bin')]) {
    if (await exists(join(dir, other))) throw new ImportError(`${join(dir, other)}: only safetensors LoRA files are read; save its state dict with safetensors' save_file as ${release}`);
  }
  throw new ImportError(`${release} not found: expected the ${component} LoRA of TSD-SR's release (or ${peft} with its adapter_config.json, as peft saves it)`);
}

/** Why a key that is neither a LoRA factor nor an alpha cannot be imported. */
function unexpectedKey(file: string, key: string): ImportError {
  const why = /lora_magnitude_vector/.test(key) ? 'a DoRA magnitude: DoRA adapters are not merged by this importer'
    : /\.lora_B(\.[\w-]+)?\.bias$/.test(key) ? 'a LoRA bias (peft lora_bias): not merged by this importer'
      : /lora_(down|up)\b/.test(key) ? 'kohya naming (lora_down/lora_up): convert to peft naming (<module>.lora_A.weight / .lora_B.weight)'
        : 'neither a LoRA factor (<module>.lora_A.weight / .lora_B.weight) nor an alpha (<module>.alpha)';
  return new ImportError(`${file}: tensor ${key} is ${why}`);
}

/** A scalar tensor's value, integer types included. */
async function readScalar(reader: SafetensorsReader, key: string): Promise<number> {
  const { shape, dtype } = reader.info(key);
  if (shape.reduce((p, d) => p * d, 1) !== 1) throw new ImportError(`${reader.info(key).file}: ${key} should hold one number, not [${shape.join(', ')}]`);
  const value = dtype.startsWith('F') || dtype === 'BF16' ? (await reader.readFloat32(key))[0] : Number((await reader.read(key))[0]);
  if (!Number.isFinite(value)) throw new ImportError(`${reader.info(key).file}: ${key} is not a finite number`);
  return value as number;
}

/** The LoRA config in diffusers' metadata: unprefixed (a model's own save) or under one component prefix (a pipeline's). */
function metadataConfig(file: string, metadata: Readonly<Record<string, string>>, keyPrefix: string | undefined): PeftScaleConfig | undefined {
  const raw = metadata[DIFFUSERS_METADATA_KEY];
  if (raw === undefined) return undefined;
  const source = `${file} (${DIFFUSERS_METADATA_KEY})`;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ImportError(`${source}: not valid JSON`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ImportError(`${source}: expected a JSON object`);
  if ('lora_alpha' in json || 'r' in json) return peftScaleConfig(json as Record<string, unknown>, source);
  const prefixes = [...new Set(Object.keys(json).map((k) => k.split('.')[0]!))];
  const prefix = prefixes.length === 1 ? prefixes[0] : prefixes.find((p) => p === keyPrefix);
  if (prefix === undefined) throw new ImportError(`${source}: holds configs for ${prefixes.join(', ')}; none matches this file's keys`);
  const own = Object.fromEntries(Object.entries(json).filter(([k]) => k.startsWith(`${prefix}.`)).map(([k, v]) => [k.slice(prefix.length + 1), v]));
  return peftScaleConfig(own, `${source} [${prefix}]`);
}

/** Sorts a file's keys into modules (rank from lora_A) and alpha tensors, refusing anything else. */
async function readLayout(reader: SafetensorsReader, file: string): Promise<{ ranks: Map<string, number>; alphas: Map<string, number> }> {
  const ranks = new Map<string, number>();
  const upModules = new Set<string>();
  const alphas = new Map<string, number>();
  for (const key of reader.names) {
    const factor = parseLoraKey(key);
    const alphaStem = ALPHA_KEY.exec(key)?.[1];
    if (factor?.factor === 'A') ranks.set(factor.module, reader.info(key).shape[0] as number);
    else if (factor?.factor === 'B') upModules.add(factor.module);
    else if (alphaStem !== undefined) alphas.set(parseLoraKey(`${alphaStem}.lora_A.weight`)!.module, await readScalar(reader, key));
    else throw unexpectedKey(file, key);
  }
  if (ranks.size === 0) throw new ImportError(`${file}: no LoRA factors (<module>.lora_A.weight / .lora_B.weight) in it`);
  const unpaired = [...ranks.keys()].find((m) => !upModules.has(m)) ?? [...upModules].find((m) => !ranks.has(m));
  if (unpaired) throw new ImportError(`${file}: module ${unpaired} has only one of lora_A and lora_B`);
  const orphan = [...alphas.keys()].find((m) => !ranks.has(m));
  if (orphan) throw new ImportError(`${file}: ${orphan}.alpha has no lora_A / lora_B beside it`);
  return { ranks, alphas };
}

/** Checks a LoRA file and resolves every module's scale; throws ImportError for what cannot be known or merged. */
export async function planLora(component: LoraComponent, location: LoraLocation, flag?: AlphaSetting): Promise<LoraPlan> {
  const file = location.weights;
  const reader = await openSafetensors(file);
  try {
    const { ranks, alphas } = await readLayout(reader, file);
    const configs: PeftScaleConfig[] = [];
    if (location.config) configs.push(peftScaleConfig(await readJson(location.config, 'peft\'s adapter_config.json'), location.config));
    const fromMetadata = metadataConfig(file, reader.metadata, reader.names[0]?.split('.')[0]);
    if (fromMetadata) configs.push(fromMetadata);
    const tsdsrRelease = location.layout === 'tsdsr' && configs.length === 0 && isTsdsrReleaseLayout(component, reader.names);
    const { scales, summary } = resolveLoraScales({ file, ranks, configs, alphaTensors: alphas, flag, tsdsrRelease });
    const defaulted = configs.flatMap((c) => c.defaulted.map((d) => `${d} (peft's default; not in ${c.source})`));
    return { component, weights: file, ranks, scales, summary: [summary, ...defaulted].join('; ') };
  } finally {
    await reader.close();
  }
}

/**
 * Reads a planned file's factors as an adapter for `mergeLora`, each module's alpha set to scale × rank so that
 * mergeLora's alpha / rank is the resolved scale (rsLoRA's alpha / √r included).
 */
export async function readLoraAdapter(plan: LoraPlan): Promise<LoraAdapter> {
  const reader = await openSafetensors(plan.weights);
  try {
    const factors = await readWeights(reader, { filter: (name) => parseLoraKey(name) !== null });
    return loraFromWeights(factors, { alpha: (module) => plan.scales.get(module)! * plan.ranks.get(module)! });
  } finally {
    await reader.close();
  }
}
