/**
 * Opt-in check of bench/metrics against the reference Python implementations SR papers use (BasicSR's NIQE,
 * PSNR and SSIM): `npm run check:metrics -- <basicsr or TSD-SR checkout> [images...]`, with numpy, scipy,
 * opencv and torch for /usr/bin/python3 (Debian: python3-scipy, python3-opencv, python3-torch). Without
 * images it uses generated textures. NIQE must agree within 1 %, PSNR within 0.01 dB, SSIM within 1e-4.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { resizeRgba, type RgbaImage } from '../models/runtime/index.ts';
import { decodeImage } from '../models/runtime/node.ts';
import { texture } from '../test/helpers/textures.ts';
import { niqe, readPristineNiqeModel } from './metrics/niqe.ts';
import { psnrY, ssimY } from './metrics/psnr-ssim.ts';
import { roundLikeReference, yChannel } from './metrics/y-channel.ts';

const USAGE = 'usage: npm run check:metrics -- <BasicSR or TSD-SR checkout> [images...]';
const PYTHON = process.env.TORCH_PYTHON ?? '/usr/bin/python3';
/** Prints why the check can't run and exits 1 (nothing was compared). */
function stop(message: string): never {
  process.stderr.write(`check:metrics: ${message}\n`);
  process.exit(1);
}

const [basicsr, ...files] = process.argv.slice(2);
if (!basicsr) stop(`${USAGE}\nThe checkout is where the reference metrics are read from (basicsr/metrics/niqe.py, psnr_ssim.py); none is part of this project.`);
if (!existsSync(join(basicsr, 'basicsr', 'metrics', 'niqe.py'))) stop(`${basicsr} has no basicsr/metrics/niqe.py: give the root of a BasicSR or TSD-SR checkout\n${USAGE}`);
const model = readPristineNiqeModel();
const dir = mkdtempSync(join(tmpdir(), 'tsdsr-metrics-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true })); // the raw images handed to Python
let written = 0;

/** Writes an image as raw RGB with a JSON sidecar for the Python side. */
function writeRaw(image: RgbaImage, border = 0): string {
  const rgb = Buffer.alloc(image.width * image.height * 3);
  for (let p = 0; p < image.width * image.height; p++) rgb.set(image.data.subarray(p * 4, p * 4 + 3), p * 3);
  const path = join(dir, `${written++}.raw`);
  writeFileSync(path, rgb);
  writeFileSync(`${path}.json`, JSON.stringify({ width: image.width, height: image.height, border }));
  return path;
}

/** The reference values from bench/metrics_reference.py; stops, naming what it needs, when it fails. */
function reference(mode: string, paths: string[]): unknown[] {
  const run = spawnSync(PYTHON, [join(import.meta.dirname, 'metrics_reference.py'), basicsr!, mode, ...paths], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  if (run.status !== 0) {
    stop(`the reference (${PYTHON} bench/metrics_reference.py) ${run.error ? `did not start: ${run.error.message}` : 'failed, its error is above'}; it needs numpy, scipy, `
      + 'opencv and torch (Debian: apt-get install python3-scipy python3-opencv python3-torch; TORCH_PYTHON picks another interpreter)');
  }
  return JSON.parse(run.stdout) as unknown[];
}

const images: [string, RgbaImage][] = files.length > 0
  ? await Promise.all(files.map(async (f) => [basename(f), await decodeImage(readFileSync(f))] as [string, RgbaImage]))
  : [1, 2, 3].map((seed) => [`texture-${seed}`, texture(256, 192, seed, seed / 4)] as [string, RgbaImage]);
let failed = 0;
const niqeRef = reference('niqe', images.map(([, image]) => writeRaw(image))) as number[];
// a ×4 bicubic round trip as the "restored" image, scored against the original with a 4 px border
const restored = images.map(([, image]) => resizeRgba(resizeRgba(image, image.width >> 2, image.height >> 2), image.width & ~3, image.height & ~3));
const originals = images.map(([, image]) => ({ ...image, width: image.width & ~3, height: image.height & ~3, data: cropTo(image, image.width & ~3, image.height & ~3) }));
const pairRef = reference('psnr-ssim', originals.flatMap((o, i) => [writeRaw(o, 4), writeRaw(restored[i]!, 4)])) as [number, number][];
console.log('| image | NIQE ours | NIQE reference | PSNR-Y ours | reference | SSIM-Y ours | reference |');
console.log('|---|---|---|---|---|---|---|');
images.forEach(([name, image], i) => {
  const ours = { niqe: niqe(roundLikeReference(yChannel(image)), image.height, image.width, model), psnr: psnrY(originals[i]!, restored[i]!, 4), ssim: ssimY(originals[i]!, restored[i]!, 4) };
  const [refPsnr, refSsim] = pairRef[i]!;
  const ok = Math.abs(ours.niqe - niqeRef[i]!) / niqeRef[i]! <= 0.01 && Math.abs(ours.psnr - refPsnr) <= 0.01 && Math.abs(ours.ssim - refSsim) <= 1e-4;
  if (!ok) failed++;
  console.log(`| ${name} | ${ours.niqe.toFixed(4)} | ${niqeRef[i]!.toFixed(4)} | ${ours.psnr.toFixed(4)} | ${refPsnr} | ${ours.ssim.toFixed(5)} | ${refSsim} |`);
});
console.log(failed === 0 ? 'all metrics match the reference' : `${failed} image(s) outside tolerance`);
process.exitCode = failed === 0 ? 0 : 1;

/** The top-left width × height pixels of an image. */
function cropTo(image: RgbaImage, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) out.set(image.data.subarray(y * image.width * 4, (y * image.width + width) * 4), y * width * 4);
  return out;
}
