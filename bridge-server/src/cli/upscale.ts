/** `tsdsr upscale <files or folders...>`: upscales images in this process (no server), with a progress bar and a summary. */
import { mkdir, readFile } from 'node:fs/promises';
import { basename, relative } from 'node:path';
import { writeFileAtomic } from '../../../models/io/index.ts';
import { choiceOptions, hasTransparency, inputSmoothing, smoothingSettings, type DeviceChoice, type ModelChoice, type RgbaImage, type Upscaler, type UpscaleOptions } from '../../../models/runtime/index.ts';
import { DEFAULT_OUTPUT_QUALITY, type EncodeOptions } from '../../../models/runtime/codec-node.ts';
import { toBridgeError } from '../errors.ts';
import { configDir, modelRoots } from '../paths.ts';
import { DEFAULT_MODEL, DEFAULT_SCALE, FALLBACK_MODELS } from '../protocol/index.ts';
import { ModelRegistry } from '../registry.ts';
import { nodeRuntime } from '../runtime.ts';
import { EXIT, parseColorFix, parseCommandLine, parseDevice, parseFormat, parseInteger, parseScale, parseTile, UsageError } from './args.ts';
import type { CliIO } from './io.ts';
import { expandInputs, planOutputs, type OutputPlan } from './output-paths.ts';
import { ProgressBar } from './progress.ts';

/** Help text of the command. */
export const UPSCALE_HELP = `Usage: tsdsr upscale <files or folders...> [-o <file|dir>] [options]

Upscales PNG, JPEG or WebP images on this machine; no server needed. A folder stands for the images in it
(not its sub-folders; files named like earlier results, <name>@4x.png, are left out).
Results are named <name>@<scale>x.png (.jpg, .webp with --format), next to each input unless -o says otherwise.

Options:
  -o, --output <file|dir>   result file (one input; .png, .jpg or .webp) or directory (several inputs or a folder; created if missing)
  -f, --format <format>     png, jpeg (or jpg; transparency composited over white) or webp
                            (default: the -o file's extension, else png)
  -q, --quality <1-100>     JPEG and WebP quality (default ${DEFAULT_OUTPUT_QUALITY})
  -m, --model <id>          model to use (default ${DEFAULT_MODEL}, else ${FALLBACK_MODELS.join(', else ')}; see \`tsdsr models list\`);
                            an auto model (tsdsr-auto) picks one per image and says which
  -s, --scale <factor>      2, 3, 4 or any factor above 1 up to 8 (default ${DEFAULT_SCALE})
      --tile <px>           tile side in input pixels (default: the model's)
      --color-fix <method>  none, wavelet or adain (default: the model's)
      --device <device>     auto, cpu, webgpu or cuda (default auto)
      --models <dir>        also look for models in this directory
  -h, --help                show this help`;

const OPTIONS = {
  output: { type: 'string', short: 'o' },
  format: { type: 'string', short: 'f' },
  quality: { type: 'string', short: 'q' },
  model: { type: 'string', short: 'm' },
  scale: { type: 'string', short: 's' },
  tile: { type: 'string' },
  'color-fix': { type: 'string' },
  device: { type: 'string' },
  models: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Runs the command; returns the exit code. */
export async function upscaleCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, OPTIONS);
  if (values.help) {
    io.out(UPSCALE_HELP);
    return EXIT.ok;
  }
  if (positionals.length === 0) throw new UsageError('no input files; e.g. tsdsr upscale photo.png -o photo@4x.png, or tsdsr upscale photos/ -o upscaled/');
  const scale = parseScale(values.scale, DEFAULT_SCALE);
  const options: UpscaleOptions = { scale, tileSize: parseTile(values.tile), colorFix: parseColorFix(values['color-fix']) };
  const device = parseDevice(values.device);
  const inputs = await expandInputs(positionals);
  if (inputs.skippedResults.length > 0) {
    const n = inputs.skippedResults.length;
    io.err(`skipping ${n} earlier result${n === 1 ? '' : 's'} in the folder${positionals.length === 1 ? '' : 's'} (${basename(inputs.skippedResults[0]!)}${n > 1 ? ', …' : ''}); name a file to upscale it anyway`);
  }
  const { plans, createDir, format } = await planOutputs(inputs.files, values.output, scale, parseFormat(values.format), inputs.fromFolder);
  const quality = parseInteger('quality', values.quality, 1, 100);
  if (quality !== undefined && format === 'png') throw new UsageError('--quality applies to jpeg and webp; PNG is lossless (add --format jpeg or webp)');
  const encoding: EncodeOptions = { format, ...(quality === undefined ? {} : { quality }) };
  const registry = await ModelRegistry.scan(modelRoots(configDir(io.env), values.models ?? []), nodeRuntime, (m) => io.err(`warning: ${m}`));
  const model = values.model ?? registry.defaultModel;
  try {
    registry.get(model);
  } catch (err) {
    throw new UsageError(`${(err as Error).message}; see \`tsdsr models list\``);
  }
  if (createDir) await mkdir(createDir, { recursive: true });
  try {
    return await upscaleAll(await modelForImages(registry, model, device), plans, options, encoding, io);
  } finally {
    await registry.dispose();
  }
}

/** The model that upscales one image, and for an `auto` model which one it chose and why. */
type ModelForImage = (image: RgbaImage) => Promise<{ upscaler: Upscaler; choice?: ModelChoice }>;

/** Opens the named model now; an `auto` model instead opens, per image, the model it chooses for that image. */
async function modelForImages(registry: ModelRegistry, model: string, device: DeviceChoice): Promise<{ model: string; auto: boolean; forImage: ModelForImage }> {
  if (!registry.isAuto(model)) {
    const upscaler = await registry.upscaler(model, device);
    return { model, auto: false, forImage: async () => ({ upscaler }) };
  }
  const forImage: ModelForImage = async (image) => {
    const choice = registry.choose(model, image);
    return { upscaler: await registry.upscaler(choice.model, device), choice };
  };
  return { model, auto: true, forImage };
}

async function upscaleAll(models: Awaited<ReturnType<typeof modelForImages>>, plans: OutputPlan[], options: UpscaleOptions, encoding: EncodeOptions, io: CliIO): Promise<number> {
  const started = Date.now();
  const controller = new AbortController();
  const interrupt = (): void => controller.abort();
  process.once('SIGINT', interrupt);
  let failed = 0;
  const ran = new Map<string, number>(); // model id → images, for an auto model's summary
  const devices = new Set<string>();
  try {
    for (const plan of plans) {
      if (controller.signal.aborted) break;
      const used = await upscaleOne(models.forImage, plan, { ...options, signal: controller.signal }, encoding, io);
      if (!used) failed++;
      else {
        ran.set(used.model, (ran.get(used.model) ?? 0) + 1);
        devices.add(used.device);
      }
    }
  } finally {
    process.off('SIGINT', interrupt);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const done = plans.length - failed;
  if (controller.signal.aborted) {
    io.err(`interrupted after ${done} of ${plans.length} images`);
    return EXIT.interrupted;
  }
  const chosen = models.auto ? ` (${[...ran].map(([id, n]) => `${id} for ${n}`).join(', ') || 'none ran'})` : '';
  const on = devices.size > 0 ? ` on ${[...devices].join(', ')}` : '';
  io.err(`${done} of ${plans.length} image${plans.length === 1 ? '' : 's'} upscaled ${options.scale}x with ${models.model}${chosen}${on} in ${seconds} s`);
  return failed === 0 ? EXIT.ok : EXIT.failure;
}

/** Upscales one file; returns the model that ran and its device, or null when the image failed (the reason is printed). */
async function upscaleOne(forImage: ModelForImage, plan: OutputPlan, options: UpscaleOptions, encoding: EncodeOptions, io: CliIO): Promise<{ model: string; device: string } | null> {
  const bar = new ProgressBar(io.stderr);
  const label = relative(process.cwd(), plan.input) || plan.input;
  try {
    const bytes = await readFile(plan.input);
    const image = await nodeRuntime.decodeImage(bytes);
    const { upscaler, choice } = await forImage(image);
    const onProgress: UpscaleOptions['onProgress'] = (p) => bar.update(label, p.tilesDone, p.tilesTotal, p.stage);
    // the input smoothing, decided once so the line can say it, runs as the call's own (the gate does not look again)
    const smoothing = inputSmoothing(upscaler.manifest, image, { ...options, ...choiceOptions(choice) });
    const result = await upscaler.upscale(image, { ...options, denoise: smoothing, onProgress });
    await writeFileAtomic(plan.output, await nodeRuntime.encodeImage(result, encoding)); // an interrupted write leaves no half file
    bar.clear();
    const chose = choice ? ` with ${choice.model} (${choice.degradation}, degradation score ${choice.score.toFixed(2)})` : '';
    const smoothed = smoothing ? `; smoothed the input (${smoothingSettings(smoothing).map(([k, v]) => `${k} ${v}`).join(', ')})` : '';
    const flattened = encoding.format === 'jpeg' && hasTransparency(result) ? '; JPEG has no transparency: composited over white' : '';
    io.err(`${label}: ${image.width}x${image.height} -> ${result.width}x${result.height}${chose}${smoothed}${flattened}`);
    io.out(plan.output);
    return { model: upscaler.manifest.id, device: upscaler.device };
  } catch (err) {
    bar.clear();
    io.err(`${label}: ${describeFailure(err)}`);
    return null;
  }
}

function describeFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory, not an image';
  const mapped = toBridgeError(err);
  if (mapped.code !== 'internal') return `${mapped.message} (${mapped.code})`;
  return err instanceof Error ? err.message : String(err);
}
