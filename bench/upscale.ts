/**
 * Upscaling speed and memory: per model and input size, milliseconds per output megapixel and peak
 * resident memory, each case in its own process so peaks don't mix. Reference in the same run:
 * sharp's (libvips) bicubic resize of the same image to the same size. UpscalerJS's models (esrgan-slim,
 * -medium, -thick; tfjs wasm backend, ×4 only, see bench/upscalerjs.ts) run as extra rows at the --ujs-sizes, and
 * Upscayl's Real-ESRGAN x4fast and x4plus (ncnn models imported by models/import/ncnn.ts and run by our runtime, see
 * bench/upscayl.ts) at the --upscayl-sizes (512: a 2048² output).
 *
 * Each case runs --repeat times after a warm-up and reports the median (and the fastest and slowest run).
 *
 *   npm run bench:upscale -- [--device cpu] [--models tsdsr-fast,bicubic,nearest] [--sizes 256,512,1024] [--scale 4]
 *     (a model is a folder of models/zoo; `auto`, the default model tsdsr-auto, times its estimate and the model it picks)
 *     [--repeat 3] [--ujs esrgan-slim,esrgan-medium,esrgan-thick] [--ujs-sizes 256]   (--ujs '' leaves UpscalerJS out)
 *     [--upscayl realesrgan-x4fast,realesrgan-x4plus] [--upscayl-sizes 512]   (--upscayl '' leaves them out; one run each)
 *     [--alpha ramp|edges|opaque]   (the test image's transparency: a smooth ramp by default; edges = a grid of discs, like icons)
 * Writes bench/results/upscale.json (upscale-<alpha>.json for other test images); rows of an earlier file that this
 * run did not measure (another model, size or device) are kept, each with its `measuredAt`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { isAutoManifestJson, parseAutoManifest, type DeviceChoice, type RgbaImage } from '../models/runtime/index.ts';
import { openAutoUpscaler } from './auto-upscaler.ts';
import { openUpscaler } from '../models/runtime/node.ts';
import { syntheticImage, type SyntheticAlpha } from './synthetic-image.ts';
import { resultsPath, writeResults } from './results.ts';
import { openUpscalerJs, UPSCALERJS_MODELS, type UpscalerJsModel } from './upscalerjs.ts';
import { isUpscaylModel, UPSCAYL_MODELS, upscaylModelDir } from './upscayl.ts';

interface CaseResult {
  model: string;
  alpha: SyntheticAlpha;
  device: string;
  inputPx: number;
  outputPx: number;
  /** Median of the runs. */
  upscaleMs: number;
  runsMs: number[];
  msPerOutputMpx: number;
  sharpMs: number;
  ratioToSharp: number;
  peakRssMiB: number;
  /** When this row was measured (rows kept from an earlier run keep theirs). */
  measuredAt: string;
}


/** An UpscalerJS model (×4, wasm), an Upscayl model (×4, imported) or one of our zoo models on the device. */
async function openCase(model: string, scale: number, device: DeviceChoice): Promise<{ device: string; upscale(image: RgbaImage): Promise<RgbaImage> }> {
  if ((UPSCALERJS_MODELS as readonly string[]).includes(model)) {
    if (scale !== 4) throw new Error(`${model} is run at ×4 only`);
    const m = await openUpscalerJs(model as UpscalerJsModel);
    return { device: 'wasm (UpscalerJS)', upscale: (image) => m.upscale(image) };
  }
  const dir = isUpscaylModel(model) ? await upscaylModelDir(model) : fileURLToPath(new URL(`../models/zoo/${model}`, import.meta.url));
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as unknown;
  if (isAutoManifestJson(json)) { // `auto`: the estimate and the model it picks for this image, both timed
    const auto = openAutoUpscaler(parseAutoManifest(json, join(dir, 'model.json')), dirname(dir), device);
    return { get device() { return auto.device; }, upscale: (image) => auto.upscale(image, { scale }) };
  }
  const upscaler = await openUpscaler(dir, device);
  return { device: upscaler.device, upscale: (image) => upscaler.upscale(image, { scale }) };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[s.length >> 1] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

async function runCase(model: string, size: number, scale: number, device: DeviceChoice, repeat: number, alpha: SyntheticAlpha): Promise<CaseResult> {
  const image = syntheticImage(size, alpha);
  const upscaler = await openCase(model, scale, device);
  await upscaler.upscale(syntheticImage(64, true)); // warm-up
  const runsMs: number[] = [];
  let out: RgbaImage | undefined;
  for (let k = 0; k < repeat; k++) {
    const t0 = performance.now();
    out = await upscaler.upscale(image);
    runsMs.push(Math.round(performance.now() - t0));
  }
  if (!out) throw new Error('--repeat must be at least 1');
  const upscaleMs = median(runsMs);
  const t1 = performance.now();
  await sharp(image.data, { raw: { width: size, height: size, channels: 4 }, limitInputPixels: false })
    .resize(size * scale, size * scale, { kernel: 'cubic' })
    .raw()
    .toBuffer();
  const sharpMs = performance.now() - t1;
  const outputPx = out.width * out.height;
  return {
    model,
    alpha,
    device: upscaler.device,
    inputPx: size,
    outputPx: out.width,
    upscaleMs: Math.round(upscaleMs),
    runsMs,
    msPerOutputMpx: +(upscaleMs / (outputPx / 1e6)).toFixed(1),
    sharpMs: Math.round(sharpMs),
    ratioToSharp: +(upscaleMs / sharpMs).toFixed(2),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    measuredAt: new Date().toISOString(),
  };
}

/** The rows of an earlier results file at the same scale, each with its `measuredAt`. */
function earlierRows(path: string, scale: number): CaseResult[] {
  if (!existsSync(path)) return [];
  const earlier = JSON.parse(readFileSync(path, 'utf8')) as { scale?: number; date?: string; results?: CaseResult[] };
  if (earlier.scale !== scale) return [];
  return (earlier.results ?? []).map((r) => ({ ...r, measuredAt: r.measuredAt ?? earlier.date ?? 'unknown' }));
}

/**
 * The earlier rows that this run did not measure again, so that a run of a few models (e.g. only UpscalerJS's)
 * updates their rows and keeps the others.
 */
function keptRows(earlier: readonly CaseResult[], measured: readonly CaseResult[]): CaseResult[] {
  const key = (r: CaseResult): string => `${r.model}|${r.device}|${r.inputPx}`;
  const again = new Set(measured.map(key));
  return earlier.filter((r) => !again.has(key(r)));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      device: { type: 'string', default: 'cpu' },
      models: { type: 'string', default: 'tsdsr-fast,bicubic,nearest' },
      sizes: { type: 'string', default: '256,512,1024' },
      repeat: { type: 'string', default: '3' },
      scale: { type: 'string', default: '4' },
      case: { type: 'string' },
      ujs: { type: 'string', default: UPSCALERJS_MODELS.join(',') },
      'ujs-sizes': { type: 'string', default: '256' },
      upscayl: { type: 'string', default: UPSCAYL_MODELS.join(',') },
      'upscayl-sizes': { type: 'string', default: '512' },
      alpha: { type: 'string', default: 'ramp' },
    },
  });
  const scale = Number(values.scale);
  const device = values.device as DeviceChoice;
  const alpha = values.alpha as SyntheticAlpha;
  if (!['ramp', 'edges', 'opaque'].includes(alpha)) throw new Error(`--alpha ${alpha}: choose ramp, edges or opaque`);
  if (values.case) {
    const [model, size] = values.case.split(':');
    process.stdout.write(JSON.stringify(await runCase(model!, Number(size), scale, device, Number(values.repeat), alpha)));
    return;
  }
  const results: CaseResult[] = [];
  const cases = [
    ...values.models.split(',').filter(Boolean).flatMap((m) => values.sizes.split(',').map((size) => [m, size] as const)),
    ...(scale === 4 ? values.ujs.split(',').filter(Boolean).flatMap((m) => values['ujs-sizes'].split(',').map((size) => [m, size] as const)) : []),
    ...(scale === 4 ? values.upscayl.split(',').filter(Boolean).flatMap((m) => values['upscayl-sizes'].split(',').map((size) => [m, size] as const)) : []),
  ];
  const file = alpha === 'ramp' ? 'upscale.json' : `upscale-${alpha}.json`;
  const path = resultsPath(file);
  const earlier = earlierRows(path, scale);
  const save = (): void => writeResults(path, { date: new Date().toISOString(), scale, device, alpha, results: [...keptRows(earlier, results), ...results] });
  for (const [model, size] of cases) {
    const repeat = (UPSCALERJS_MODELS as readonly string[]).includes(model) || isUpscaylModel(model) ? '1' : values.repeat;
    const args = ['--import', 'tsx', fileURLToPath(import.meta.url), '--case', `${model}:${size}`, '--scale', String(scale), '--device', device, '--repeat', repeat, '--alpha', alpha];
    results.push(JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 })) as CaseResult);
    save(); // after every case, so a later failure loses nothing measured
    process.stderr.write(`done ${model} ${size}²\n`);
  }
  console.log(`| model | device | alpha | input | output | upscale ms (median) | runs ms | ms / output Mpx | sharp cubic ms | ratio to sharp | peak RSS MiB |`);
  console.log(`|---|---|---|---|---|---|---|---|---|---|---|`);
  for (const r of results) {
    console.log(`| ${r.model} | ${r.device} | ${r.alpha} | ${r.inputPx}² | ${r.outputPx}² | ${r.upscaleMs} | ${r.runsMs.join(', ')} | ${r.msPerOutputMpx} | ${r.sharpMs} | ${r.ratioToSharp} | ${r.peakRssMiB} |`);
  }
  const kept = keptRows(earlier, results);
  console.log(`\nwrote bench/results/${file}${kept.length ? ` (${kept.length} rows kept from earlier runs: ${kept.map((r) => `${r.model} ${r.inputPx}²`).join(', ')})` : ''}`);
}

await main();
