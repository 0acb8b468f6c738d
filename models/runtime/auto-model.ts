/**
 * `auto` model directories: no graphs of their own, a `model.json` naming installed models, one for clean sources and
 * one for degraded ones (and optionally one for degraded graphics: icons, screenshots, text; and one for degraded flat
 * images: smooth gradients and backdrops); each image runs through the one the degradation estimate picks.
 */
import { decodeDegradationNet, degradationNetScore, type DegradationNet } from './degradation-net.ts';
import { DEGRADED_FROM, estimateDegradation, type Degradation } from './degradation.ts';
import { isFlat } from './flatness.ts';
import { GRAPHIC_NET_WEIGHTS } from './graphic-net-weights.ts';
import type { RgbaImage } from './image.ts';
import type { DenoiseSpec } from './denoise.ts';
import { DENOISE_SHAPE, isDenoiseSpec, ManifestError } from './manifest.ts';

/** The parsed `model.json` of an `auto` model. */
export interface AutoManifest {
  id: string;
  name: string;
  description: string;
  kind: 'auto';
  /**
   * The model id to run for each verdict of the estimate; `degradedGraphic`, when stated, instead of `degraded` for a
   * degraded graphic ({@link isGraphic}: transparency, or the graphic classifier's verdict); `degradedFlat`, when
   * stated, instead of `degraded` for any other degraded image that is flat ({@link isFlat}: smooth gradients and fills
   * under noise or JPEG blocks).
   */
  choose: Record<Degradation, string> & { degradedGraphic?: string; degradedFlat?: string };
  /** The estimate's score (0 to 1) from which an image counts as degraded; {@link DEGRADED_FROM} unless the file states one. */
  degradedFrom: number;
  /**
   * The score from which a graphic ({@link isGraphic}) counts as degraded, when `choose.degradedGraphic` is stated;
   * `degradedFrom` unless the file states a lower one. Icons and screenshots that are degraded often score lower than
   * photographs (flat colour gives the estimate less to read) and clean ones score near 0.
   */
  degradedGraphicFrom: number;
  /**
   * Input smoothing for the images sent to `choose.degradedFlat`, instead of that model's own `denoise` (absent: the
   * model's). The flat route shares its model with the graphic route, where smoothing flattens icon detail.
   */
  denoiseFlat?: DenoiseSpec;
  license: string;
  provenance: Record<string, unknown>;
}

/** Which model an `auto` model ran for one image, and why. */
export interface ModelChoice {
  /** The id of the model that ran. */
  model: string;
  degradation: Degradation;
  /** The estimate's score, 0 to 1: `degraded` from the model's `degradedFrom` (0.5 by default) up. */
  score: number;
  /** Input smoothing to run the model with instead of its own (`denoiseFlat` on the flat route); absent: the model's. */
  denoise?: DenoiseSpec;
}

/** The upscale options a choice adds to a call of the chosen model (its route's input smoothing, if any). */
export function choiceOptions(choice: ModelChoice | undefined): { denoise?: DenoiseSpec } {
  return choice?.denoise ? { denoise: choice.denoise } : {};
}

const MODEL_ID = /^[a-z0-9][a-z0-9._-]*$/;

/** The keys `choose` takes; the first two are required. */
const CHOOSE_KEYS = ['clean', 'degraded', 'degradedGraphic', 'degradedFlat'] as const;
const OPTIONAL_CHOOSE_KEYS: ReadonlySet<string> = new Set(['degradedGraphic', 'degradedFlat']);

/** The share of an image's pixels that must be less than fully opaque for it to count as a graphic. */
export const GRAPHIC_TRANSPARENT_SHARE = 0.01;

/**
 * The graphic classifier's score from which an image without transparency counts as a graphic. The classifier is
 * trained on graphics and text against photographs, clean and degraded alike; at 0.9 it took 2 % of the held-out
 * Real-ESRGAN-degraded photographs for graphics and 93 % of the degraded text (docs/models.md).
 */
export const GRAPHIC_FROM = 0.9;

/** True when at least {@link GRAPHIC_TRANSPARENT_SHARE} of the image's pixels are not fully opaque. */
export function hasTransparentShare(image: RgbaImage): boolean {
  const { data } = image;
  const pixels = data.length / 4;
  const needed = Math.max(1, Math.ceil(GRAPHIC_TRANSPARENT_SHARE * pixels));
  let transparent = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i]! < 255 && ++transparent >= needed) return true;
  return false;
}

let shippedGraphic: DegradationNet | undefined;

/** The shipped graphic classifier (models/runtime/graphic-net-weights.ts, `npm run train:estimate -- --task graphic`). */
export function shippedGraphicNet(): DegradationNet {
  shippedGraphic ??= decodeDegradationNet(GRAPHIC_NET_WEIGHTS.widths, GRAPHIC_NET_WEIGHTS.negativeSlope, GRAPHIC_NET_WEIGHTS.base64);
  return shippedGraphic;
}

/**
 * How sure the graphic classifier is that the image is a graphic or text rather than a photograph, 0 to 1: σ of its
 * mean logit over up to 16 opaque cells of the image (the degradation net's reading, degradationNetScore); null where
 * no cell is opaque.
 */
export function graphicScore(image: RgbaImage, net: DegradationNet = shippedGraphicNet()): number | null {
  return degradationNetScore(net, image).score;
}

/**
 * True for a graphic, which `choose.degradedGraphic` takes when the image is degraded: an icon, logo or cut-out on
 * transparency ({@link hasTransparentShare}), or an opaque image the graphic classifier scores from
 * {@link GRAPHIC_FROM} (a screenshot, a JPEG of a logo or of interface text).
 */
export function isGraphic(image: RgbaImage, net: DegradationNet = shippedGraphicNet()): boolean {
  if (hasTransparentShare(image)) return true;
  const score = graphicScore(image, net);
  return score !== null && score >= GRAPHIC_FROM;
}

/** The ids of the models an `auto` model runs, in the order of `choose`'s keys, each once. */
export function chosenModelIds(manifest: AutoManifest): string[] {
  return [...new Set(CHOOSE_KEYS.flatMap((key) => (manifest.choose[key] === undefined ? [] : [manifest.choose[key]!])))];
}

function need(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ManifestError(message);
}

/** True when a parsed `model.json` says it is an `auto` model (then read it with {@link parseAutoManifest}). */
export function isAutoManifestJson(json: unknown): boolean {
  return typeof json === 'object' && json !== null && (json as { kind?: unknown }).kind === 'auto';
}

/** Checks a parsed `auto` `model.json` and returns it typed; throws ManifestError naming the first problem. */
export function parseAutoManifest(json: unknown, where = 'model.json'): AutoManifest {
  need(isAutoManifestJson(json), `${where}: not an auto model`);
  const m = json as Partial<AutoManifest>;
  need(typeof m.id === 'string' && MODEL_ID.test(m.id), `${where}: id must be lower-case letters, digits, '.', '_' or '-'`);
  need(typeof m.name === 'string', `${where}: name missing`);
  const choose = m.choose;
  need(choose && typeof choose === 'object', `${where}: choose missing: {"clean": "<model id>", "degraded": "<model id>"}`);
  for (const key of CHOOSE_KEYS) {
    if (OPTIONAL_CHOOSE_KEYS.has(key) && choose[key] === undefined) continue;
    need(typeof choose[key] === 'string' && MODEL_ID.test(choose[key]), `${where}: choose.${key} must be a model id`);
    need(choose[key] !== m.id, `${where}: an auto model cannot choose itself`);
  }
  const unknown = Object.keys(choose).filter((key) => !(CHOOSE_KEYS as readonly string[]).includes(key));
  need(unknown.length === 0, `${where}: choose takes clean, degraded and optionally degradedGraphic and degradedFlat, not ${unknown.join(', ')}`);
  const degradedFrom = m.degradedFrom ?? DEGRADED_FROM;
  need(typeof degradedFrom === 'number' && degradedFrom > 0 && degradedFrom < 1, `${where}: degradedFrom must be a number between 0 and 1`);
  const degradedGraphicFrom = m.degradedGraphicFrom ?? degradedFrom;
  need(typeof degradedGraphicFrom === 'number' && degradedGraphicFrom > 0 && degradedGraphicFrom <= degradedFrom, `${where}: degradedGraphicFrom must be a number above 0 and at most degradedFrom (${degradedFrom})`);
  need(m.degradedGraphicFrom === undefined || choose.degradedGraphic !== undefined, `${where}: degradedGraphicFrom needs choose.degradedGraphic`);
  need(m.denoiseFlat === undefined || isDenoiseSpec(m.denoiseFlat), `${where}: denoiseFlat ${DENOISE_SHAPE}`);
  need(m.denoiseFlat === undefined || choose.degradedFlat !== undefined, `${where}: denoiseFlat needs choose.degradedFlat`);
  need(typeof m.license === 'string', `${where}: license missing`);
  const chosen = Object.fromEntries(CHOOSE_KEYS.filter((key) => choose[key] !== undefined).map((key) => [key, choose[key]]));
  return { description: '', provenance: {}, ...m, kind: 'auto', choose: chosen, degradedFrom, degradedGraphicFrom } as AutoManifest;
}

/**
 * The model an `auto` model runs for this image, by the degradation estimate of the image itself (and, for an image
 * that scores at least `degradedGraphicFrom`, whether it is a graphic, {@link isGraphic}, when the model states
 * `choose.degradedGraphic`; `net` is the graphic classifier, the shipped one by default). A graphic that scores from
 * `degradedGraphicFrom` up is `degraded` and runs `choose.degradedGraphic`; any other image is `degraded` from
 * `degradedFrom` up, and then runs `choose.degradedFlat` if it is flat ({@link isFlat}) and the model states one
 * (with `denoiseFlat`, when stated, as the choice's `denoise`).
 */
export function chooseModel(manifest: AutoManifest, image: RgbaImage, net?: DegradationNet): ModelChoice {
  const estimate = estimateDegradation(image, manifest.degradedFrom);
  const { degradedGraphic, degradedFlat } = manifest.choose;
  const degraded = (model: string): ModelChoice => ({ model, degradation: 'degraded', score: estimate.score });
  if (degradedGraphic !== undefined && estimate.score >= manifest.degradedGraphicFrom && isGraphic(image, net)) return degraded(degradedGraphic);
  if (estimate.degradation === 'clean') return { model: manifest.choose.clean, degradation: 'clean', score: estimate.score };
  if (degradedFlat !== undefined && isFlat(image)) return { ...degraded(degradedFlat), ...(manifest.denoiseFlat ? { denoise: manifest.denoiseFlat } : {}) };
  return degraded(manifest.choose.degraded);
}
