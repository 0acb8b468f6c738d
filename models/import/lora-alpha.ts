/**
 * Each LoRA module's scale from what is known about its alpha: a peft config (adapter_config.json or diffusers'
 * metadata), `<module>.alpha` tensors, `--lora-alpha`, or TSD-SR's release convention (alpha = rank). Sources that
 * disagree are refused, and so is a module whose alpha nothing states.
 */
import { ImportError } from './errors.ts';
import { peftModuleScale, type PeftScaleConfig } from './peft-config.ts';

/** `--lora-alpha`'s value: peft's `lora_alpha` for every module, or `rank` for alpha = each module's rank (scale 1). */
export type AlphaSetting = number | 'rank';

/** One statement of a module's alpha; rsLoRA divides by √r instead of r. */
interface AlphaClaim {
  readonly alpha: number;
  readonly rslora: boolean;
  readonly source: string;
}

/** What one LoRA file says (and the user says) about its alphas. */
export interface AlphaEvidence {
  /** The LoRA file, for messages. */
  readonly file: string;
  /** Module key → rank, from the shapes of its lora_A. */
  readonly ranks: ReadonlyMap<string, number>;
  /** peft configs that describe the file (adapter_config.json, lora_adapter_metadata). */
  readonly configs: readonly PeftScaleConfig[];
  /** Module key → the value of its `<module>.alpha` tensor. */
  readonly alphaTensors: ReadonlyMap<string, number>;
  /** `--lora-alpha` for this file, if given. */
  readonly flag?: AlphaSetting;
  /** The file is TSD-SR's release as published (see tsdsr-release.ts): alpha = rank when nothing else is said. */
  readonly tsdsrRelease: boolean;
}

/** Every module's scale, and one line saying where the scales came from. */
export interface LoraScales {
  readonly scales: ReadonlyMap<string, number>;
  readonly summary: string;
}

/** The words of the refusal when a module's alpha is unknown (docs/models.md quotes them). */
export const UNKNOWN_ALPHA_HINT =
  'Pass --lora-alpha <n> (peft\'s lora_alpha: scale = alpha / rank) or --lora-alpha rank (alpha = rank, scale 1, as diffusers loads such files)';

/** alpha / r, or alpha / √r for rsLoRA: peft's `scaling`. */
export const loraScale = (claim: { alpha: number; rslora: boolean }, rank: number): number =>
  claim.alpha / (claim.rslora ? Math.sqrt(rank) : rank);

const TSDSR_CONVENTION = "TSD-SR's release (alpha = rank, as its inference script configures it)";
const sameScale = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-6 * Math.max(Math.abs(a), Math.abs(b));
const describe = (c: AlphaClaim, rank: number): string =>
  `${c.source} says alpha ${c.alpha}${c.rslora ? ' with use_rslora' : ''} (scale ${+loraScale(c, rank).toPrecision(6)})`;

/** The claims about one module's alpha. */
function claimsFor(e: AlphaEvidence, module: string, rank: number): AlphaClaim[] {
  const claims: AlphaClaim[] = [];
  for (const config of e.configs) {
    const m = peftModuleScale(config, module);
    if (m.rank !== rank) throw new ImportError(`${e.file}: ${config.source} gives ${module} rank ${m.rank}, but its lora_A has rank ${rank}`);
    claims.push({ alpha: m.alpha, rslora: m.rslora, source: config.source });
  }
  const tensor = e.alphaTensors.get(module);
  if (tensor !== undefined) claims.push({ alpha: tensor === 0 ? rank : tensor, rslora: false, source: `${module}.alpha${tensor === 0 ? ' (0, read as the rank as kohya does)' : ''}` });
  if (e.flag !== undefined) claims.push({ alpha: e.flag === 'rank' ? rank : e.flag, rslora: e.configs[0]?.rslora ?? false, source: `--lora-alpha ${e.flag}` });
  if (claims.length === 0 && e.tsdsrRelease) claims.push({ alpha: rank, rslora: false, source: TSDSR_CONVENTION });
  return claims;
}

/** Refuses claims that give one module different scales, saying which source is used when the flag is left out. */
function checkAgreement(file: string, module: string, rank: number, claims: readonly AlphaClaim[]): void {
  const first = claims[0]!;
  const other = claims.find((c) => !sameScale(loraScale(c, rank), loraScale(first, rank)));
  if (!other) return;
  const fix = other.source.startsWith('--lora-alpha')
    ? 'leave --lora-alpha out to use the file\'s own alpha (the flag never overrides what a file states)'
    : 'the file contradicts itself; correct or remove one of them';
  throw new ImportError(`${file}: ${module}: ${describe(first, rank)} but ${describe(other, rank)}; ${fix}`);
}

/** Every module's scale, or an ImportError naming the module and the sources that disagree or are missing. */
export function resolveLoraScales(e: AlphaEvidence): LoraScales {
  const scales = new Map<string, number>();
  const sources = new Map<string, number>();
  const unknown: string[] = [];
  for (const [module, rank] of e.ranks) {
    const claims = claimsFor(e, module, rank);
    if (claims.length === 0) {
      unknown.push(module);
      continue;
    }
    checkAgreement(e.file, module, rank, claims);
    scales.set(module, loraScale(claims[0]!, rank));
    const names = claims.map((c) => c.source).join(' and ');
    sources.set(names, (sources.get(names) ?? 0) + 1);
  }
  if (unknown.length > 0) {
    const told = e.alphaTensors.size > 0 ? `has no <module>.alpha tensor for them (it has ${e.alphaTensors.size})` : 'has no <module>.alpha tensors';
    throw new ImportError(
      `${e.file}: the LoRA alpha of ${unknown.length} of ${e.ranks.size} modules (e.g. ${unknown[0]}) is not known: the file comes with no ` +
        `adapter_config.json or lora_adapter_metadata, ${told}, and is not TSD-SR's release. ${UNKNOWN_ALPHA_HINT}.`,
    );
  }
  return { scales, summary: summarize(scales, sources) };
}

function summarize(scales: ReadonlyMap<string, number>, sources: ReadonlyMap<string, number>): string {
  const values = [...scales.values()];
  const [low, high] = [Math.min(...values), Math.max(...values)].map((v) => +v.toPrecision(6));
  const range = low === high ? `scale ${low}` : `scales ${low} to ${high}`;
  const from = [...sources].map(([names, count]) => (sources.size === 1 ? names : `${names} (${count})`)).join('; ');
  return `${range} over ${scales.size} modules, alpha from ${from}`;
}
