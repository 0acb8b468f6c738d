/** `tsdsr models list` and `tsdsr models import`: the models the bridge and CLI can use, and adding TSD-SR weights or ncnn models. */
import { join } from 'node:path';
import { configDir, modelRoots } from '../paths.ts';
import { modelInfo, ModelRegistry } from '../registry.ts';
import { nodeRuntime } from '../runtime.ts';
import { EXIT, parseCommandLine, UsageError } from './args.ts';
import type { CliIO } from './io.ts';
import type { AlphaSetting, LoraComponent } from '../../../models/import/index.ts';

/** Help text of the command. */
export const MODELS_HELP = `Usage: tsdsr models list [--models <dir>] [--json]
       tsdsr models import --sd3 <dir> --lora <dir> --embeds <dir> [--out <dir>] [--id <id>] [--fp16]
                           [--lora-alpha <n|rank>]...
       tsdsr models import --ncnn <dir|file.param> [--id <id>] [--name <name>] [--scale <n>] [--tile <px>] [--out <dir>]

list     Lists installed models: the shipped ones and those in <config dir>/models.
import   Builds a TSD-SR model directory from downloaded weights: Stable Diffusion 3 in diffusers
         layout (--sd3, with transformer/ and vae/), TSD-SR's LoRA (--lora, with transformer.safetensors
         and vae.safetensors, or peft's transformer/ and vae/ folders with adapter_model.safetensors
         and adapter_config.json) and prompt embeddings (--embeds, with prompt_embeds.pt and
         pool_embeds.pt). Writes encoder, denoiser and decoder graphs (LoRA merged) and model.json to
         --out (default <config dir>/models/<id>), where the bridge and the CLI find it. The folder
         appears, or replaces a model already there, only once complete (an interrupted import
         leaves the old one); an --out holding other files is refused.
         Each LoRA module is merged at scale alpha / rank (alpha / sqrt(rank) with use_rslora), alpha
         read from adapter_config.json (rank_pattern and alpha_pattern included), diffusers'
         lora_adapter_metadata or <module>.alpha tensors. TSD-SR's release carries none and is
         merged with alpha = rank, as TSD-SR's own script loads it. Any other file without an alpha
         is refused unless --lora-alpha says it; a --lora-alpha that contradicts a file is refused.
import --ncnn  Converts ncnn models (.param + .bin, as Upscayl and the *-ncnn-vulkan tools ship them)
         to ONNX: one model per .param (a folder imports each .param with its .bin), id from the
         file name (realesrgan-x4plus) unless --id, into <config dir>/models/<id>. Float32 and
         float16 weights; quantised models and unsupported layer types are refused, naming them.
         RGB in [0, 1] as Upscayl feeds them, image edges mirrored by 10 px as Upscayl does.

Options:
      --models <dir>          (list) also look in this directory (repeatable)
      --json                  (list) print JSON instead of a table
      --id <id>               (import) the model's id (default tsdsr; with --ncnn the file name)
      --name <name>           (import --ncnn) the name shown to people (default the file name)
      --scale <n>             (import --ncnn) the scale the model must have (read from the network)
      --tile <px>             (import --ncnn) default tile side in input pixels (default 192)
      --fp16                  (import) store weights as float16: half the size, computed in float32
      --lora-alpha <n|rank>   (import) peft's lora_alpha for LoRA files that do not state it; "rank"
                              means alpha = each module's rank (scale 1). Prefix transformer= or vae=
                              for one file (repeatable), e.g. --lora-alpha transformer=32
  -h, --help                  show this help`;

const OPTIONS = {
  models: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  sd3: { type: 'string' },
  ncnn: { type: 'string' },
  name: { type: 'string' },
  scale: { type: 'string' },
  tile: { type: 'string' },
  lora: { type: 'string' },
  embeds: { type: 'string' },
  out: { type: 'string' },
  id: { type: 'string' },
  fp16: { type: 'boolean' },
  'lora-alpha': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseCommandLine<typeof OPTIONS>>['values'];

/** `--lora-alpha` values: `<n>` or `rank` for both LoRA files, `transformer=<…>` or `vae=<…>` for one. */
export function parseLoraAlpha(texts: readonly string[]): Partial<Record<LoraComponent, AlphaSetting>> {
  const settings: Partial<Record<LoraComponent, AlphaSetting>> = {};
  for (const text of texts) {
    const [, name, value = ''] = /^(?:(transformer|vae)=)?(.*)$/.exec(text)!;
    const alpha = value === 'rank' ? 'rank' : Number(value);
    if (alpha !== 'rank' && !(value.trim() !== '' && Number.isFinite(alpha) && alpha > 0)) {
      throw new UsageError(`--lora-alpha ${text}: use a number above 0 or "rank", optionally after transformer= or vae=`);
    }
    for (const component of name ? [name as LoraComponent] : (['transformer', 'vae'] as const)) {
      if (settings[component] !== undefined) throw new UsageError(`--lora-alpha: the ${component} LoRA's alpha is given twice`);
      settings[component] = alpha;
    }
  }
  return settings;
}

const checkId = (id: string): string => {
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(id)) throw new UsageError(`--id ${id}: use lower-case letters, digits, '.', '_' or '-'`);
  return id;
};

/** A whole number of at least `least` given to `option`. */
function wholeNumber(text: string | undefined, option: string, least: number): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < least) throw new UsageError(`--${option} ${text}: use a whole number of at least ${least}`);
  return value;
}

/** `tsdsr models import --ncnn`: each .param at the source becomes a model directory. */
async function importNcnnCommand(values: Values, io: CliIO): Promise<number> {
  const { importNcnn, locateNcnnModels, ncnnModelId } = await import('../../../models/import/index.ts');
  const scale = wholeNumber(values.scale, 'scale', 1);
  const tileSize = wholeNumber(values.tile, 'tile', 8);
  const models = await locateNcnnModels(values.ncnn!);
  if (models.length > 1 && (values.id !== undefined || values.name !== undefined || values.out !== undefined)) {
    throw new UsageError(`${values.ncnn} holds ${models.length} models (${models.map((m) => m.base).join(', ')}); --id, --name and --out name one: pass its .param`);
  }
  for (const files of models) {
    const id = checkId(values.id ?? ncnnModelId(files.base));
    const out = values.out ?? join(configDir(io.env), 'models', id);
    const started = Date.now();
    await importNcnn(files, { out, id, name: values.name, scale, tileSize, log: (m) => io.err(m) });
    io.out(`imported ${id} into ${out} in ${((Date.now() - started) / 1000).toFixed(1)} s; use it with --model ${id}`);
  }
  return EXIT.ok;
}

/** `tsdsr models import`. */
async function importCommand(values: Values, io: CliIO): Promise<number> {
  if (values.ncnn !== undefined) return importNcnnCommand(values, io);
  const missing = (['sd3', 'lora', 'embeds'] as const).filter((k) => values[k] === undefined);
  if (missing.length > 0) throw new UsageError(`models import needs ${missing.map((k) => `--${k} <dir>`).join(', ')} (TSD-SR weights), or --ncnn <dir> (ncnn models)`);
  const id = checkId(values.id ?? 'tsdsr');
  const out = values.out ?? join(configDir(io.env), 'models', id);
  const loraAlpha = parseLoraAlpha(values['lora-alpha'] ?? []);
  const { importTsdsr } = await import('../../../models/import/index.ts');
  const started = Date.now();
  await importTsdsr({ sd3: values.sd3!, lora: values.lora!, embeds: values.embeds! }, { out, id, fp16: values.fp16, loraAlpha, log: (m) => io.err(m) });
  io.out(`imported ${id} into ${out} in ${((Date.now() - started) / 1000).toFixed(1)} s; use it with --model ${id}`);
  return EXIT.ok;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
}

/** Runs the command; returns the exit code. */
export async function modelsCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, OPTIONS);
  if (values.help) {
    io.out(MODELS_HELP);
    return EXIT.ok;
  }
  if (positionals[0] === 'import' && positionals.length === 1) return importCommand(values, io);
  if (positionals[0] !== 'list' || positionals.length > 1) throw new UsageError('the models command has two subcommands: tsdsr models list, tsdsr models import');
  const roots = modelRoots(configDir(io.env), values.models ?? []);
  const entries = (await ModelRegistry.scan(roots, nodeRuntime, (m) => io.err(`warning: ${m}`))).list();
  if (values.json) {
    io.out(JSON.stringify({ models: entries.map((e) => ({ ...modelInfo(e.manifest), dir: e.dir })) }, null, 2));
    return EXIT.ok;
  }
  if (entries.length === 0) {
    io.err(`no models found; looked in ${roots.join(', ')}`);
    return EXIT.ok;
  }
  const rows = entries.map(({ manifest: m, dir }) => [m.id, m.scales.map((s) => `${s}x`).join(' '), m.colorFix, m.name, dir]);
  for (const line of table([['ID', 'SCALES', 'COLOR FIX', 'NAME', 'DIRECTORY'], ...rows])) io.out(line);
  return EXIT.ok;
}
