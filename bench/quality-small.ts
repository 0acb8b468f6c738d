/**
 * Validation PSNR of a trained model against the bicubic baseline (×4 by default).
 *
 * For each image of a validation folder: HR = a central crop (--crop px, or the whole image with --crop 0), trimmed
 * to a multiple of the scale; LR = the trainer's bicubic downscale (antialiased, 8-bit) of HR; each model upscales LR
 * back by the scale on the CPU; PSNR on the Y channel of MATLAB-style YCbCr (Y = 16 + 65.481 R + 128.553 G + 24.966 B,
 * RGB in [0, 1], peak 255), with --border px cropped on every side. The `bicubic` zoo model is always the first column.
 *
 *   npx tsx bench/quality-small.ts [--val data/val|synthetic] --model trained=/path/to/model/dir [--model other=DIR]
 *     [--limit N] [--crop 0] [--scale 4] [--border 4] [--device cpu] [--out bench/results/quality-small.json]
 * Prints a table per image (dB) with each model's difference from bicubic and the mean; writes the JSON.
 * `data/val` (every image under it) is made by `npm run data:build` (docs/data.md); without it the bench stops
 * saying so. `--val synthetic` scores four generated images: a smoke run, not a quality figure.
 */
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { DeviceChoice, RgbaImage } from '../models/runtime/index.ts';
import { openUpscaler } from '../models/runtime/node.ts';
import { psnrY } from './metrics/psnr-ssim.ts';
import { RESULTS_DIR, writeResults } from './results.ts';
import { runBench } from './setup-error.ts';
import { readValidationSet, SYNTHETIC_VAL } from './validation-set.ts';
import { bicubicLr, fromInterleavedRgb8, toInterleavedRgb8 } from '../trainer/src/data/index.ts';

const { values: opt } = parseArgs({
  options: {
    val: { type: 'string', default: 'data/val' },
    limit: { type: 'string', default: '0' },
    model: { type: 'string', multiple: true, default: [] },
    crop: { type: 'string', default: '0' },
    scale: { type: 'string', default: '4' },
    border: { type: 'string', default: '4' },
    device: { type: 'string', default: 'cpu' },
    out: { type: 'string', default: join(RESULTS_DIR, 'quality-small.json') },
  },
});

/** Central crop of an RGBA image to w × h, as interleaved RGB bytes. */
function centralRgb(image: RgbaImage, w: number, h: number): Uint8Array {
  const left = Math.floor((image.width - w) / 2);
  const top = Math.floor((image.height - h) / 2);
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = 4 * ((top + y) * image.width + left + x);
      const d = 3 * (y * w + x);
      out[d] = image.data[s] as number;
      out[d + 1] = image.data[s + 1] as number;
      out[d + 2] = image.data[s + 2] as number;
    }
  }
  return out;
}

/** Opaque RGBA from interleaved RGB. */
function rgbToRgba(rgb: Uint8Array, width: number, height: number): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    data[4 * i] = rgb[3 * i] as number;
    data[4 * i + 1] = rgb[3 * i + 1] as number;
    data[4 * i + 2] = rgb[3 * i + 2] as number;
    data[4 * i + 3] = 255;
  }
  return { width, height, data };
}

interface Row {
  image: string;
  hr: string;
  lr: string;
  psnr: Record<string, number>;
  ms: Record<string, number>;
}

async function main(): Promise<void> {
  const scale = Number(opt.scale);
  const crop = Number(opt.crop);
  const border = Number(opt.border);
  const device = opt.device as DeviceChoice;
  const models: [string, string][] = [['bicubic', fileURLToPath(new URL('../models/zoo/bicubic', import.meta.url))]];
  for (const spec of opt.model) {
    const eq = spec.indexOf('=');
    models.push(eq > 0 ? [spec.slice(0, eq), resolve(spec.slice(eq + 1))] : [basename(spec), resolve(spec)]);
  }
  if (opt.model.length === 0) console.error('note: no --model DIR given, so only the bicubic column is measured');
  if (opt.val === SYNTHETIC_VAL) console.error('warning: --val synthetic scores generated images: a smoke run of the bench, not a quality figure');
  const set = await readValidationSet(opt.val, Number(opt.limit));

  // HR/LR pairs first, so every model sees the same inputs.
  const pairs = set.map(({ file, image }) => {
    const side = (n: number): number => Math.floor((crop > 0 ? Math.min(crop, n) : n) / scale) * scale;
    const w = side(image.width);
    const h = side(image.height);
    const hr = centralRgb(image, w, h);
    const lrPlanar = bicubicLr(fromInterleavedRgb8(hr, w, h), scale);
    const lr = rgbToRgba(toInterleavedRgb8(lrPlanar), lrPlanar.width, lrPlanar.height);
    return { file, hr, w, h, lr };
  });

  const rows: Row[] = pairs.map((p) => ({ image: p.file, hr: `${p.w}x${p.h}`, lr: `${p.lr.width}x${p.lr.height}`, psnr: {}, ms: {} }));
  const provenance: Record<string, unknown> = {};
  const header = {
    date: new Date().toISOString(), val: opt.val === SYNTHETIC_VAL ? SYNTHETIC_VAL : resolve(opt.val), scale, crop, border, metric: 'PSNR of Y (MATLAB YCbCr), peak 255', lr: 'trainer bicubicLr (antialiased, 8-bit)',
  };
  for (const [name, dir] of models) {
    const upscaler = await openUpscaler(dir, device, (m) => console.error(`${name}: ${m}`));
    provenance[name] = { dir, id: upscaler.manifest.id, kind: upscaler.manifest.kind, device: upscaler.device };
    for (const [i, p] of pairs.entries()) {
      const t0 = performance.now();
      const out = await upscaler.upscale(p.lr, { scale });
      const row = rows[i] as Row;
      row.ms[name] = Math.round(performance.now() - t0);
      row.psnr[name] = psnrY(rgbToRgba(p.hr, p.w, p.h), out, border);
    }
    await upscaler.dispose();
    writeResults(opt.out, { ...header, models: provenance, rows }); // the models measured so far, in case a later one fails
  }

  const names = models.map(([n]) => n);
  const mean = (name: string): number => rows.reduce((s, r) => s + (r.psnr[name] as number), 0) / rows.length;
  const means = Object.fromEntries(names.map((n) => [n, mean(n)]));
  const cell = (v: number): string => v.toFixed(2).padStart(10);
  const others = names.slice(1);
  console.log(`Y-PSNR (dB), x${scale}, border ${border}, LR = bicubic (antialiased) of HR, ${crop > 0 ? `central ${crop} px crop` : 'whole image'}`);
  console.log(`${'image'.padEnd(20)} ${'HR'.padEnd(10)} ${names.map((n) => n.padStart(10)).join(' ')} ${others.map((n) => `Δ${n}`.padStart(10)).join(' ')}`);
  for (const r of rows) {
    const b = r.psnr.bicubic as number;
    console.log(`${r.image.padEnd(20)} ${r.hr.padEnd(10)} ${names.map((n) => cell(r.psnr[n] as number)).join(' ')} ${others.map((n) => cell((r.psnr[n] as number) - b)).join(' ')}`);
  }
  console.log(`${'mean'.padEnd(20)} ${''.padEnd(10)} ${names.map((n) => cell(means[n] as number)).join(' ')} ${others.map((n) => cell((means[n] as number) - (means.bicubic as number))).join(' ')}`);

  writeResults(opt.out, {
    ...header, models: provenance, rows, mean: means, meanGainOverBicubic: Object.fromEntries(others.map((n) => [n, (means[n] as number) - (means.bicubic as number)])),
  });
  console.log(`wrote ${opt.out}`);
}

await runBench('bench/quality-small', main);
