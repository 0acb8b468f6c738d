/**
 * Training further from an exported `tsdsr` model directory (a shipped zoo model, or an earlier export): its ONNX
 * graphs hold every weight under the family's names, so the VAE and the student denoiser are read back from them and
 * the architecture preset is recognised by their shapes. What the inference graphs do not hold (the learned null style,
 * used only by a teacher's guidance) is filled from the preset's initialisation.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readOnnxFloatInitializers } from '../../../models/io/index.ts';
import { initSmallDenoiser, initSmallVae, NULL_STYLE_KEY, type WeightTensor } from '../../../models/nets/index.ts';
import { ANTI_RING_SHAPE, DENOISE_SHAPE, isAntiRing, isDenoiseSpec, type ModelManifest } from '../../../models/runtime/index.ts';
import type { Weights } from './artifacts.ts';
import { SMALL_PRESETS, styleEmbedding, type SmallFamilyConfig, type SmallPresetName } from './family.ts';

/** The baked style vector's initializer in an exported denoiser (see smallStudentDenoiserGraph). */
const BAKED_STYLE = 'style_embedding_0';

/** A model directory read back as trainable weights. */
export interface ModelWeights {
  dir: string;
  id: string;
  preset: SmallPresetName;
  /** The preset's configs, the VAE's with the model's scaling factor. */
  config: SmallFamilyConfig;
  vae: Weights;
  denoiser: Weights;
  /** The student's timestep t_s baked into the model. */
  timestep: number;
  /** The style vector baked into the denoiser, and the style name it was made from when that is known. */
  style: { vector: Float32Array; name?: string };
  /**
   * The model's settings around its graphs that training does not change, which the export keeps: anti-ringing and
   * input smoothing were chosen for how this student behaves, and a student trained further behaves like it.
   */
  keep: Pick<ModelManifest, 'antiRing' | 'denoise'>;
}

interface TsdsrManifestFields {
  id?: string;
  kind?: string;
  graphs?: Record<string, string>;
  latent?: { scalingFactor?: number; timestep?: number };
  provenance?: { style?: unknown };
  antiRing?: unknown;
  denoise?: unknown;
}

/** The settings of `manifest` a further run keeps ({@link ModelWeights.keep}), checked as the runtime checks them. */
function keptSettings(manifest: TsdsrManifestFields, where: string): ModelWeights['keep'] {
  const { antiRing, denoise } = manifest;
  if (antiRing !== undefined && !isAntiRing(antiRing)) throw new Error(`${where}: antiRing ${ANTI_RING_SHAPE}`);
  if (denoise !== undefined && !isDenoiseSpec(denoise)) throw new Error(`${where}: denoise ${DENOISE_SHAPE}`);
  return { ...(antiRing !== undefined ? { antiRing } : {}), ...(denoise !== undefined ? { denoise } : {}) };
}

const sameDims = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/** The keys of `expected` that `found` lacks or holds with other dims. */
function mismatches(expected: ReadonlyMap<string, WeightTensor>, found: ReadonlyMap<string, { dims: number[] }>, optional: ReadonlySet<string>): string[] {
  return [...expected].filter(([k, t]) => !optional.has(k) && !(found.has(k) && sameDims(found.get(k)!.dims, t.dims))).map(([k]) => k);
}

/** Reads a `tsdsr` model directory of the small family (fast or small preset) as weights to train from. */
export async function loadModelWeights(dir: string): Promise<ModelWeights> {
  const manifestPath = join(dir, 'model.json');
  if (!existsSync(manifestPath)) throw new Error(`${dir}: no model.json; --from-model needs a tsdsr model directory (or the id of one)`);
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as TsdsrManifestFields;
  const graphs = manifest.graphs ?? {};
  if (manifest.kind !== 'tsdsr' || !graphs.encoder || !graphs.denoiser || !graphs.decoder) {
    throw new Error(`${dir}: a ${manifest.kind ?? 'unknown'} model; only TSD-SR students (kind tsdsr, with encoder, denoiser and decoder graphs) can be trained further`);
  }
  const scalingFactor = manifest.latent?.scalingFactor;
  const timestep = manifest.latent?.timestep ?? 1000;
  if (!(typeof scalingFactor === 'number' && scalingFactor > 0)) throw new Error(`${dir}/model.json: latent.scalingFactor is missing`);
  const keep = keptSettings(manifest, manifestPath);
  const found = new Map<string, { dims: number[]; data: Float32Array }>();
  for (const key of ['encoder', 'decoder', 'denoiser'] as const) {
    for (const [name, t] of await readOnnxFloatInitializers(join(dir, graphs[key] as string))) found.set(name, t);
  }
  const optional = new Set([NULL_STYLE_KEY]);
  const tried: string[] = [];
  for (const [name, preset] of Object.entries(SMALL_PRESETS) as [SmallPresetName, SmallFamilyConfig][]) {
    const vaeInit = initSmallVae(preset.vae);
    const denoiserInit = initSmallDenoiser(preset.denoiser);
    const missing = [...mismatches(vaeInit, found, optional), ...mismatches(denoiserInit, found, optional)];
    if (missing.length > 0) {
      tried.push(`${name}: ${missing.length} weights missing or of another shape (first ${missing[0]})`);
      continue;
    }
    const pick = (init: Map<string, WeightTensor>): Weights => new Map([...init].map(([k, t]) => [k, found.has(k) ? { dims: t.dims, data: found.get(k)!.data } : t]));
    const vector = found.get(BAKED_STYLE)?.data;
    if (!vector || vector.length !== preset.denoiser.styleEmbedDim) throw new Error(`${dir}: the denoiser has no baked style vector (${BAKED_STYLE})`);
    const styleName = typeof manifest.provenance?.style === 'string' ? manifest.provenance.style : undefined;
    const named = styleName !== undefined && styleEmbedding(styleName, vector.length).every((v, i) => v === vector[i]);
    return {
      dir, id: manifest.id ?? dir, preset: name, config: { vae: { ...preset.vae, scalingFactor }, denoiser: preset.denoiser },
      vae: pick(vaeInit), denoiser: pick(denoiserInit), timestep, style: { vector: Float32Array.from(vector), ...(named ? { name: styleName } : {}) }, keep,
    };
  }
  throw new Error(`${dir}: its weights match no architecture preset of the small family (${tried.join('; ')})`);
}
