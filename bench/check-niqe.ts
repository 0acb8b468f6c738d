/**
 * Opt-in check of bench/metrics/niqe.ts against the reference Python NIQE (BasicSR's, which SR papers
 * use): `npx tsx bench/check-niqe.ts <basicsr checkout> [images...]` with numpy, scipy and torch for
 * /usr/bin/python3 (Debian: python3-scipy, python3-torch). Without images it uses generated textures.
 * Passes when every image agrees within 1 %.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { decodeImage } from '../models/runtime/node.ts';
import type { RgbaImage } from '../models/runtime/index.ts';
import { niqe, parseNiqeModel } from './metrics/niqe.ts';
import { cropBorder, roundLikeReference, yChannel } from './metrics/y-channel.ts';

const [basicsr, ...files] = process.argv.slice(2);
if (!basicsr) throw new Error('usage: npx tsx bench/check-niqe.ts <basicsr or TSD-SR checkout> [images...]');
const model = parseNiqeModel(JSON.parse(readFileSync(join(import.meta.dirname, '../../shared/data/niqe/niqe_pris_params.json'), 'utf8')));

/** Generated test images: smooth noise at a few scales, sharpened and blurred, 256×192. */
async function generated(): Promise<[string, RgbaImage][]> {
  const out: [string, RgbaImage][] = [];
  for (const [name, sigma] of [['noise-sharp', 0.3], ['noise-soft', 1.5], ['noise-blurred', 4]] as const) {
    let seed = name.length * 7919;
    const data = Buffer.from(Array.from({ length: 256 * 192 * 3 }, () => (seed = (seed * 16807) % 2147483647) % 256));
    const { data: rgba, info } = await sharp(data, { raw: { width: 256, height: 192, channels: 3 } }).blur(sigma).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    out.push([name, { width: info.width, height: info.height, data: new Uint8Array(rgba) }]);
  }
  return out;
}

const images: [string, RgbaImage][] = files.length > 0 ? await Promise.all(files.map(async (f) => [basename(f), await decodeImage(readFileSync(f))] as [string, RgbaImage])) : await generated();
const dir = mkdtempSync(join(tmpdir(), 'tsdsr-niqe-'));
const ours: number[] = [];
const paths = images.map(([name, image], i) => {
  const rgb = Buffer.alloc(image.width * image.height * 3);
  for (let p = 0; p < image.width * image.height; p++) rgb.set(image.data.subarray(p * 4, p * 4 + 3), p * 3);
  const path = join(dir, `${i}.raw`);
  writeFileSync(path, rgb);
  writeFileSync(`${path}.json`, JSON.stringify({ width: image.width, height: image.height, name }));
  const y = cropBorder(yChannel(image), image.height, image.width, 0);
  ours.push(niqe(roundLikeReference(y.data), y.height, y.width, model));
  return path;
});
const reference = JSON.parse(execFileSync(process.env.TORCH_PYTHON ?? '/usr/bin/python3', [join(import.meta.dirname, 'niqe_reference.py'), basicsr, ...paths], { encoding: 'utf8' })) as number[];
let failed = 0;
console.log('| image | ours | reference | difference |');
console.log('|---|---|---|---|');
images.forEach(([name], i) => {
  const diff = Math.abs(ours[i]! - reference[i]!) / reference[i]!;
  if (!(diff <= 0.01)) failed++;
  console.log(`| ${name} | ${ours[i]!.toFixed(4)} | ${reference[i]!.toFixed(4)} | ${(100 * diff).toFixed(3)} % |`);
});
console.log(failed === 0 ? 'NIQE matches the reference within 1 %' : `${failed} image(s) differ by more than 1 %`);
process.exitCode = failed === 0 ? 0 : 1;
