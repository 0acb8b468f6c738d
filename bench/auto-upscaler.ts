/**
 * An `auto` model for the benches: per image, the degradation estimate picks one of its models (looked up by id
 * among the model folders beside it, as the bridge's registry would), each opened once, and the choices are counted.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chooseModel, choiceOptions, type AutoManifest, type DeviceChoice, type ModelChoice, type RgbaImage, type UpscaleOptions } from '../models/runtime/index.ts';
import { openUpscaler } from '../models/runtime/node.ts';

/** The auto model's upscale, the device its models run on, and how often each was chosen. */
export interface AutoUpscaler {
  upscale(image: RgbaImage, options: UpscaleOptions): Promise<RgbaImage>;
  /** The device of the models opened so far (the first one's). */
  readonly device: string;
  readonly counts: ReadonlyMap<string, number>;
  /** The choice for the last image upscaled (none before the first). */
  readonly last: ModelChoice | undefined;
  dispose(): Promise<void>;
}

/** Opens `manifest`'s models lazily from the folders under `root` (by their ids) on `device`. */
export function openAutoUpscaler(manifest: AutoManifest, root: string, device: DeviceChoice = 'cpu'): AutoUpscaler {
  const dirs = new Map(readdirSync(root).map((name) => join(root, name)).filter((d) => existsSync(join(d, 'model.json')))
    .map((d) => [(JSON.parse(readFileSync(join(d, 'model.json'), 'utf8')) as { id: string }).id, d] as const));
  const opened = new Map<string, Awaited<ReturnType<typeof openUpscaler>>>();
  const counts = new Map<string, number>();
  let last: ModelChoice | undefined;
  const open = async (id: string) => {
    const dir = dirs.get(id);
    if (!dir) throw new Error(`${manifest.id} runs ${id}, which is not in ${root}`);
    if (!opened.has(id)) opened.set(id, await openUpscaler(dir, device));
    return opened.get(id)!;
  };
  return {
    get device() {
      return [...opened.values()][0]?.device ?? device;
    },
    counts,
    get last() {
      return last;
    },
    upscale: async (image, options) => {
      const choice = chooseModel(manifest, image);
      last = choice;
      counts.set(choice.model, (counts.get(choice.model) ?? 0) + 1);
      return (await open(choice.model)).upscale(image, { ...options, ...choiceOptions(choice) });
    },
    dispose: async () => {
      for (const up of opened.values()) await up.dispose();
    },
  };
}
