/** The model registry: finds model directories, skips broken ones with a reason, opens upscalers lazily per (model, device). */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { parseTemporaryName } from '../../models/io/index.ts';
import { chooseModel, chosenModelIds, isAutoManifestJson, parseAutoManifest, type AutoManifest, type Device, type DeviceChoice, type ModelChoice, type ModelManifest, type RgbaImage, type Upscaler } from '../../models/runtime/index.ts';
import { BridgeError } from './errors.ts';
import { DEFAULT_MODEL, FALLBACK_MODELS, type ModelInfo } from './protocol/index.ts';
import type { BridgeRuntime } from './runtime.ts';

/**
 * An `auto` model as the registry lists it: its manifest, with the scales (those both of its models have), tile and
 * colour fix clients are shown taken from the model it runs on clean images.
 */
export type AutoModelEntryManifest = AutoManifest & Pick<ModelManifest, 'scales' | 'colorFix' | 'tile'>;

/** A model the registry found: its manifest and the directory it lives in. */
export interface ModelEntry {
  manifest: ModelManifest | AutoModelEntryManifest;
  dir: string;
}

/** A model directory the scan did not list, and why; `ids` are the model ids a client may have meant by it. */
export interface SkippedModel {
  dir: string;
  reason: string;
  ids: string[];
}

/** A model opened on a device. */
export interface LoadedModel {
  id: string;
  device: Device;
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory(), () => false);
}

async function hasManifest(dir: string): Promise<boolean> {
  return stat(join(dir, 'model.json')).then((s) => s.isFile(), () => false);
}

/** What an interrupted write left under a models root (see models/io writeDirectoryAtomic): the model id it was for, and what it is. */
function leftoverOf(name: string): { id: string; what: string } | null {
  const temporary = parseTemporaryName(name);
  if (temporary) return { id: temporary.target, what: 'the temporary folder of an unfinished model write (a crash or a full disk); the next export of it removes it' };
  const previous = /^\.(.+)\.previous$/.exec(name);
  if (previous) return { id: previous[1]!, what: `the previous version kept by a model write that stopped before it finished; the next export of it puts it back (or rename it to ${previous[1]})` };
  return null;
}

/** Model directories under a root (the root itself when it holds a model.json, else its sub-folders that do) and leftovers of unfinished writes. */
async function modelDirsUnder(root: string): Promise<{ dirs: string[]; leftovers: SkippedModel[] }> {
  if (await hasManifest(root)) return { dirs: [root], leftovers: [] };
  const names = (await readdir(root)).sort();
  const dirs: string[] = [];
  const leftovers: SkippedModel[] = [];
  for (const name of names) {
    const leftover = leftoverOf(name);
    if (leftover && (await isDirectory(join(root, name)))) leftovers.push({ dir: join(root, name), reason: leftover.what, ids: [leftover.id] });
    else if (!leftover && (await hasManifest(join(root, name)))) dirs.push(join(root, name));
  }
  return { dirs, leftovers };
}

/** Throws when a graph file the manifest names is missing or empty (a half-copied or half-written model). */
async function checkGraphFiles(dir: string, manifest: ModelManifest): Promise<void> {
  for (const file of new Set(Object.values(manifest.graphs))) {
    const info = await stat(resolve(dir, file)).catch(() => null);
    if (!info?.isFile()) throw new Error(`its graph file ${file} is missing`);
    if (info.size === 0) throw new Error(`its graph file ${file} is empty`);
  }
}

/** The manifest of an `auto` model directory; null when its model.json is of another kind or no JSON (loadModelDir says why). */
async function readAutoManifest(dir: string): Promise<AutoManifest | null> {
  const path = join(dir, 'model.json');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    return null;
  }
  return isAutoManifestJson(json) ? parseAutoManifest(json, path) : null;
}

/** The model id a broken model.json still states, when it parses far enough to tell. */
async function statedId(dir: string): Promise<string | null> {
  try {
    const id = (JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as { id?: unknown }).id;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** `a and b`, `a, b and c`. */
const listed = (xs: readonly string[]): string => (xs.length < 2 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`);

/** Describes a model for clients. */
export function modelInfo(manifest: ModelManifest | AutoModelEntryManifest): ModelInfo {
  const { id, name, description, scales, colorFix, tile, license } = manifest;
  return { id, name, description, scales, colorFix, tile: { size: tile.size, overlap: tile.overlap }, license };
}

/** Known models and the upscalers opened for them. */
export class ModelRegistry {
  readonly #models = new Map<string, ModelEntry>();
  /** `auto` models found, by id; each is listed in #models once all the models it chooses between are. */
  readonly #autoModels = new Map<string, { manifest: AutoManifest; dir: string }>();
  readonly #upscalers = new Map<string, Promise<Upscaler>>();
  readonly #loaded = new Map<string, LoadedModel>();
  #skipped: SkippedModel[] = [];
  #roots: readonly string[] = [];
  readonly #duplicateDirs = new Set<string>();
  #lastScanMs = -Infinity;
  #scanning: Promise<void> | null = null;

  private constructor(private readonly runtime: BridgeRuntime, private readonly log: (message: string) => void) {}

  /** Scans the roots in order (earlier roots win on duplicate ids); missing roots are skipped, bad model dirs with a logged reason. */
  static async scan(roots: readonly string[], runtime: BridgeRuntime, log: (message: string) => void = () => {}): Promise<ModelRegistry> {
    const registry = new ModelRegistry(runtime, log);
    registry.#roots = roots.map((r) => resolve(r));
    await registry.#scanRoots();
    if (registry.defaultModel !== DEFAULT_MODEL) log(`default model ${DEFAULT_MODEL} is not installed; using ${registry.defaultModel} when no model is named`);
    return registry;
  }

  /** Adds the model directories under the roots not known yet; those skipped before are tried again. */
  async #scanRoots(): Promise<void> {
    const previous = this.#skipped;
    this.#skipped = [];
    const known = new Set([...this.#models.values()].map((entry) => entry.dir).concat([...this.#duplicateDirs]));
    for (const root of this.#roots) {
      if (!(await isDirectory(root))) continue;
      const { dirs, leftovers } = await modelDirsUnder(root).catch(() => ({ dirs: [], leftovers: [] }));
      for (const leftover of leftovers) this.#skip(leftover, previous);
      for (const dir of dirs) if (!known.has(dir)) await this.#add(dir, previous);
    }
    this.#listAutoModels(previous);
    this.#lastScanMs = Date.now();
  }

  /**
   * Picks up model directories added to the roots since the last scan (a model the CLI just trained or copied in).
   * Rescans at most once per `minIntervalMs` (default 1 s); concurrent callers share one scan.
   */
  async refresh(minIntervalMs = 1000): Promise<void> {
    if (this.#scanning) return this.#scanning;
    if (Date.now() - this.#lastScanMs < minIntervalMs) return;
    this.#scanning = this.#scanRoots().finally(() => {
      this.#scanning = null;
    });
    return this.#scanning;
  }

  /** The model with this id, rescanning the roots (rate-limited) before answering `unknown_model`. */
  async find(id: string): Promise<ModelEntry> {
    if (!this.#models.has(id)) await this.refresh();
    return this.get(id);
  }

  /** Records a skipped directory; logs it unless an earlier scan already logged the same reason. */
  #skip(skipped: SkippedModel, previous: readonly SkippedModel[] = []): void {
    this.#skipped.push(skipped);
    if (!previous.some((p) => p.dir === skipped.dir && p.reason === skipped.reason)) this.log(`skipping model ${skipped.dir}: ${skipped.reason}`);
  }

  async #add(dir: string, previous: readonly SkippedModel[] = []): Promise<void> {
    let manifest: ModelManifest;
    try {
      const auto = await readAutoManifest(dir);
      if (auto) return this.#addAuto(auto, dir);
      manifest = await this.runtime.loadModelDir(dir);
      await checkGraphFiles(dir, manifest);
    } catch (err) {
      const id = await statedId(dir);
      this.#skip({ dir, reason: messageOf(err), ids: [basename(dir), ...(id && id !== basename(dir) ? [id] : [])] }, previous);
      return;
    }
    const existing = this.#models.get(manifest.id);
    if (existing) {
      if (!this.#duplicateDirs.has(dir)) this.log(`skipping model ${dir}: id ${manifest.id} is already provided by ${existing.dir}`);
      this.#duplicateDirs.add(dir);
      return;
    }
    this.#models.set(manifest.id, { manifest, dir });
  }

  /** Keeps an `auto` model until all its models are known (#listAutoModels); a second directory with a taken id is skipped. */
  #addAuto(manifest: AutoManifest, dir: string): void {
    const existing = this.#models.get(manifest.id) ?? this.#autoModels.get(manifest.id);
    if (existing && existing.dir !== dir) {
      if (!this.#duplicateDirs.has(dir)) this.log(`skipping model ${dir}: id ${manifest.id} is already provided by ${existing.dir}`);
      this.#duplicateDirs.add(dir);
      return;
    }
    this.#autoModels.set(manifest.id, { manifest, dir });
  }

  /** Lists each `auto` model whose models are all installed (and not `auto` themselves); skips the others saying which is missing. */
  #listAutoModels(previous: readonly SkippedModel[] = []): void {
    const autoDirs = new Set([...this.#autoModels.values()].map((auto) => auto.dir));
    const logged = [...previous, ...this.#skipped.filter((skipped) => autoDirs.has(skipped.dir))];
    this.#skipped = this.#skipped.filter((skipped) => !autoDirs.has(skipped.dir));
    for (const [id, { manifest, dir }] of this.#autoModels) {
      if (this.#models.has(id)) continue;
      const ids = chosenModelIds(manifest);
      const chosen = ids.map((model) => this.#models.get(model)?.manifest);
      const clean = chosen[0];
      if (!clean || chosen.some((m) => !m || m.kind === 'auto')) {
        const missing = ids.filter((model) => !this.#models.has(model));
        const why = missing.length > 0 ? `${listed(missing)} ${missing.length === 1 ? 'is' : 'are'} not installed` : 'an auto model cannot choose another auto model';
        this.#skip({ dir, reason: `it chooses between ${listed(ids)}, but ${why}`, ids: [basename(dir), id] }, logged);
        continue;
      }
      const scales = clean.scales.filter((scale) => chosen.every((m) => m!.scales.includes(scale)));
      this.#models.set(id, { manifest: { ...manifest, scales: scales.length > 0 ? scales : clean.scales, colorFix: clean.colorFix, tile: clean.tile }, dir });
    }
  }

  /** Adds one model directory after the scan (a freshly trained model); throws when it does not load or its id is taken. */
  async register(dir: string): Promise<ModelEntry> {
    const manifest = await this.runtime.loadModelDir(resolve(dir));
    await checkGraphFiles(resolve(dir), manifest).catch((err: unknown) => {
      throw new Error(`${resolve(dir)}: ${messageOf(err)}`);
    });
    const existing = this.#models.get(manifest.id);
    if (existing) throw new BridgeError('model_exists', `model id ${manifest.id} is already provided by ${existing.dir}`);
    const entry = { manifest, dir: resolve(dir) };
    this.#models.set(manifest.id, entry);
    this.#listAutoModels();
    return entry;
  }

  /**
   * The model for requests that name none: {@link DEFAULT_MODEL}, else the first installed of {@link FALLBACK_MODELS};
   * {@link DEFAULT_MODEL} when none is, so such a request is refused as unknown.
   */
  get defaultModel(): string {
    return [DEFAULT_MODEL, ...FALLBACK_MODELS].find((id) => this.#models.has(id)) ?? DEFAULT_MODEL;
  }

  /** All models: the default first, then the others sorted by id (the order clients offer them in). */
  list(): ModelEntry[] {
    const byId = [...this.#models.values()].sort((a, b) => a.manifest.id.localeCompare(b.manifest.id));
    const isDefault = (entry: ModelEntry): boolean => entry.manifest.id === this.defaultModel;
    return [...byId.filter(isDefault), ...byId.filter((entry) => !isDefault(entry))];
  }

  /** Model directories the scan skipped, with the reason (also logged). */
  skipped(): readonly SkippedModel[] {
    return this.#skipped;
  }

  /** The model with this id; throws `unknown_model` naming the known ones, and any skipped directory that may have been it and why. */
  get(id: string): ModelEntry {
    const entry = this.#models.get(id);
    if (entry) return entry;
    const known = [...this.#models.keys()].sort().join(', ') || 'none installed';
    const skipped = this.#skipped.filter((s) => s.ids.includes(id)).map((s) => `; a model directory at ${s.dir} was skipped: ${s.reason}`);
    throw new BridgeError('unknown_model', `no model with id '${id}' (available: ${known})${skipped.join('')}`);
  }

  /** True for an `auto` model: it has no upscaler of its own; {@link choose} says which model to run on an image. */
  isAuto(id: string): boolean {
    return this.get(id).manifest.kind === 'auto';
  }

  /** The model an `auto` model runs on this image, and why (the degradation estimate); throws for other models. */
  choose(id: string, image: RgbaImage): ModelChoice {
    const { manifest } = this.get(id);
    if (manifest.kind !== 'auto') throw new Error(`model ${id} is not an auto model`);
    return chooseModel(manifest, image);
  }

  /** The upscaler for a model on a device, opened on first use and cached; a failed open is logged, not cached, and its error names the directory. */
  upscaler(id: string, device: DeviceChoice): Promise<Upscaler> {
    const entry = this.get(id);
    if (entry.manifest.kind === 'auto') return Promise.reject(new Error(`model ${id} is an auto model: run the model it chooses for the image (ModelRegistry.choose)`));
    const key = `${id}\u0000${device}`;
    let opening = this.#upscalers.get(key);
    if (!opening) {
      opening = this.runtime.openUpscaler(entry.dir, device, (message) => this.log(`${id}: ${message}`)).catch((err: unknown) => {
        this.log(`model ${id} at ${entry.dir} could not be opened: ${messageOf(err)}`);
        throw new Error(`${entry.dir}: ${messageOf(err)}`, { cause: err });
      });
      this.#upscalers.set(key, opening);
      opening.then(
        (upscaler) => this.#loaded.set(key, { id, device: upscaler.device }),
        () => this.#upscalers.delete(key),
      );
    }
    return opening;
  }

  /** Models opened so far and the devices they run on. */
  loaded(): LoadedModel[] {
    return [...this.#loaded.values()];
  }

  /** Releases every opened upscaler. */
  async dispose(): Promise<void> {
    const opened = [...this.#upscalers.values()];
    this.#upscalers.clear();
    this.#loaded.clear();
    const results = await Promise.allSettled(opened);
    await Promise.allSettled(results.map((r) => (r.status === 'fulfilled' ? r.value.dispose() : undefined)));
  }
}
