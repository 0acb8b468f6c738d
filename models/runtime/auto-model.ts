/**
 * `auto` model directories: no graphs of their own, a `model.json` naming two installed models, one for clean sources
 * and one for degraded ones; each image runs through the one the degradation estimate picks.
 */
import { DEGRADED_FROM, estimateDegradation, type Degradation } from './degradation.ts';
import type { RgbaImage } from './image.ts';
import { ManifestError } from './manifest.ts';

/** The parsed `model.json` of an `auto` model. */
export interface AutoManifest {
  id: string;
  name: string;
  description: string;
  kind: 'auto';
  /** The model id to run for each verdict of the estimate. */
  choose: Record<Degradation, string>;
  /** The estimate's score (0 to 1) from which an image counts as degraded; {@link DEGRADED_FROM} unless the file states one. */
  degradedFrom: number;
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
}

const MODEL_ID = /^[a-z0-9][a-z0-9._-]*$/;

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
  for (const key of ['clean', 'degraded'] as const) need(typeof choose[key] === 'string' && MODEL_ID.test(choose[key]), `${where}: choose.${key} must be a model id`);
  need(Object.keys(choose).length === 2, `${where}: choose takes exactly clean and degraded`);
  need(choose.clean !== m.id && choose.degraded !== m.id, `${where}: an auto model cannot choose itself`);
  const degradedFrom = m.degradedFrom ?? DEGRADED_FROM;
  need(typeof degradedFrom === 'number' && degradedFrom > 0 && degradedFrom < 1, `${where}: degradedFrom must be a number between 0 and 1`);
  need(typeof m.license === 'string', `${where}: license missing`);
  return { description: '', provenance: {}, ...m, kind: 'auto', choose: { clean: choose.clean, degraded: choose.degraded }, degradedFrom } as AutoManifest;
}

/** The model an `auto` model runs for this image, by the degradation estimate of the image itself. */
export function chooseModel(manifest: AutoManifest, image: RgbaImage): ModelChoice {
  const estimate = estimateDegradation(image, manifest.degradedFrom);
  return { model: manifest.choose[estimate.degradation], degradation: estimate.degradation, score: estimate.score };
}
