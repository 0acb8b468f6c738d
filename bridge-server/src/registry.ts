/** The model registry: finds model directories, skips broken ones with a reason, opens upscalers lazily per (model, device). */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Device, DeviceChoice, ModelManifest, Upscaler } from '../../models/runtime/index.ts';
import { BridgeError } from './errors.ts';
import { DEFAULT_MODEL, FALLBACK_MODEL, type ModelInfo } from './protocol/index.ts';
import type { BridgeRuntime } from './runtime.ts';

/** A model the registry found: its manifest and the directory it lives in. */
export interface ModelEntry {
  manifest: ModelManifest;
  dir: string;
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

/** Model directories under a root: the root itself when it holds a model.json, else its sub-folders that do. */
async function modelDirsUnder(root: string): Promise<string[]> {
  if (await hasManifest(root)) return [root];
  const names = (await readdir(root)).sort();
  const dirs: string[] = [];
  for (const name of names) if (await hasManifest(join(root, name))) dirs.push(join(root, name));
  return dirs;
}

/** Describes a model for clients. */
export function modelInfo(manifest: ModelManifest): ModelInfo {
  const { id, name, description, scales, colorFix, tile, license } = manifest;
  return { id, name, description, scales, colorFix, tile: { size: tile.size, overlap: tile.overlap }, license };
}

/** Known models and the upscalers opened for them. */
export class ModelRegistry {
  readonly #models = new Map<string, ModelEntry>();
  readonly #upscalers = new Map<string, Promise<Upscaler>>();
  readonly #loaded = new Map<string, LoadedModel>();

  private constructor(private readonly runtime: BridgeRuntime, private readonly log: (message: string) => void) {}

  /** Scans the roots in order (earlier roots win on duplicate ids); missing roots are skipped, bad model dirs with a logged reason. */
  static async scan(roots: readonly string[], runtime: BridgeRuntime, log: (message: string) => void = () => {}): Promise<ModelRegistry> {
    const registry = new ModelRegistry(runtime, log);
    for (const root of roots.map((r) => resolve(r))) {
      if (!(await isDirectory(root))) continue;
      for (const dir of await modelDirsUnder(root)) await registry.#add(dir);
    }
    if (registry.defaultModel !== DEFAULT_MODEL) log(`default model ${DEFAULT_MODEL} is not installed; using ${FALLBACK_MODEL} when no model is named`);
    return registry;
  }

  async #add(dir: string): Promise<void> {
    let manifest: ModelManifest;
    try {
      manifest = await this.runtime.loadModelDir(dir);
    } catch (err) {
      this.log(`skipping model ${dir}: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    const existing = this.#models.get(manifest.id);
    if (existing) {
      this.log(`skipping model ${dir}: id ${manifest.id} is already provided by ${existing.dir}`);
      return;
    }
    this.#models.set(manifest.id, { manifest, dir });
  }

  /** Adds one model directory after the scan (a freshly trained model); throws when it does not load or its id is taken. */
  async register(dir: string): Promise<ModelEntry> {
    const manifest = await this.runtime.loadModelDir(resolve(dir));
    const existing = this.#models.get(manifest.id);
    if (existing) throw new BridgeError('model_exists', `model id ${manifest.id} is already provided by ${existing.dir}`);
    const entry = { manifest, dir: resolve(dir) };
    this.#models.set(manifest.id, entry);
    return entry;
  }

  /** The model for requests that name none: {@link DEFAULT_MODEL}, else {@link FALLBACK_MODEL} when only that one is installed. */
  get defaultModel(): string {
    return !this.#models.has(DEFAULT_MODEL) && this.#models.has(FALLBACK_MODEL) ? FALLBACK_MODEL : DEFAULT_MODEL;
  }

  /** All models: the default first, then the others sorted by id (the order clients offer them in). */
  list(): ModelEntry[] {
    const byId = [...this.#models.values()].sort((a, b) => a.manifest.id.localeCompare(b.manifest.id));
    const isDefault = (entry: ModelEntry): boolean => entry.manifest.id === this.defaultModel;
    return [...byId.filter(isDefault), ...byId.filter((entry) => !isDefault(entry))];
  }

  /** The model with this id; throws `unknown_model` naming the known ones. */
  get(id: string): ModelEntry {
    const entry = this.#models.get(id);
    if (entry) return entry;
    const known = [...this.#models.keys()].sort().join(', ') || 'none installed';
    throw new BridgeError('unknown_model', `no model with id '${id}' (available: ${known})`);
  }

  /** The upscaler for a model on a device, opened on first use and cached; a failed open is not cached. */
  upscaler(id: string, device: DeviceChoice): Promise<Upscaler> {
    const entry = this.get(id);
    const key = `${id}\u0000${device}`;
    let opening = this.#upscalers.get(key);
    if (!opening) {
      opening = this.runtime.openUpscaler(entry.dir, device, (message) => this.log(`${id}: ${message}`));
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
