/**
 * UpscalerJS's ESRGAN models (`@upscalerjs/esrgan-slim|medium|thick`, ×4) in Node for the benchmarks: the
 * layers model and weight shards come from the npm package directory (read with fs, no network), run on
 * `@tensorflow/tfjs` with the wasm backend (tfjs-node can't be installed offline). Like UpscalerJS, the
 * input is cut into patches (its `patchSize` 128, with `padding` px of context each side) whose outputs
 * are cropped and stitched; pixel values scaled to each model's range (0..255 for slim/medium, 0..1 for thick). Alpha, which
 * the models don't see, is upscaled bicubically, as UpscalerJS leaves it to the canvas.
 *
 *   npx tsx bench/upscalerjs.ts [--size 256]   prints each model's time for one size² input (and writes bench/results/upscalerjs.json)
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { resizeRgba, type RgbaImage } from '../models/runtime/index.ts';

/** The UpscalerJS models we compare against. */
export const UPSCALERJS_MODELS = ['esrgan-slim', 'esrgan-medium', 'esrgan-thick'] as const;
/** One of {@link UPSCALERJS_MODELS}. */
export type UpscalerJsModel = (typeof UPSCALERJS_MODELS)[number];

const require = createRequire(import.meta.url);
let backendReady: Promise<void> | undefined;

/** Selects tfjs's wasm backend once, with the .wasm files from the package's dist folder. */
export function initWasmBackend(): Promise<void> {
  backendReady ??= (async () => {
    setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend failed to initialise');
    await tf.ready();
  })();
  return backendReady;
}

/** Registers the RRDN (esrgan-thick) custom layers, as the package's model definition `setup` does. */
function registerCustomLayers(scale: number): void {
  const input = (x: tf.Tensor | tf.Tensor[]): tf.Tensor => (Array.isArray(x) ? x[0]! : x);
  class MultiplyBeta extends tf.layers.Layer {
    static className = 'MultiplyBeta';
    override call(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
      return tf.mul(input(x), 0.2);
    }
  }
  class PixelShuffle extends tf.layers.Layer {
    static className = `PixelShuffle${scale}x`;
    override computeOutputShape(shape: tf.Shape | tf.Shape[]): tf.Shape {
      const s = (Array.isArray(shape[0]) ? shape[0] : shape) as tf.Shape;
      return [s[0]!, s[1]!, s[2]!, 3];
    }
    override call(x: tf.Tensor | tf.Tensor[]): tf.Tensor {
      return tf.depthToSpace(input(x) as tf.Tensor4D, scale, 'NHWC');
    }
  }
  tf.serialization.registerClass(MultiplyBeta);
  tf.serialization.registerClass(PixelShuffle);
}

/** An IOHandler reading a layers model (model.json + weight shards) from a directory. */
function fsHandler(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      const specs = json.weightsManifest.flatMap((g) => g.weights);
      const buffers = json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p))));
      const total = Buffer.concat(buffers);
      const weightData = total.buffer.slice(total.byteOffset, total.byteOffset + total.byteLength);
      return { modelTopology: json.modelTopology, format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy, weightSpecs: specs, weightData };
    },
  };
}

/** The directory holding `models/x4/model.json` of an UpscalerJS model package. */
export function upscalerJsModelDir(name: UpscalerJsModel, scale = 4): string {
  let dir = dirname(require.resolve(`@upscalerjs/${name}`)); // the package exports no package.json: walk up to it
  while (!existsSync(join(dir, 'package.json')) || !readFileSync(join(dir, 'package.json'), 'utf8').includes(`"@upscalerjs/${name}"`)) {
    if (dirname(dir) === dir) throw new Error(`@upscalerjs/${name} not found`);
    dir = dirname(dir);
  }
  return join(dir, 'models', `x${scale}`);
}

/** A loaded UpscalerJS model: upscale(image) returns an image `scale` times larger. */
export interface UpscalerJs {
  readonly name: UpscalerJsModel;
  readonly scale: number;
  upscale(image: RgbaImage): Promise<RgbaImage>;
  dispose(): void;
}

/** Loads one model (×4) on the wasm backend; patches of `patchSize` LR px with `padding` px of context. */
export async function openUpscalerJs(name: UpscalerJsModel, patchSize = 128, padding = 8): Promise<UpscalerJs> {
  await initWasmBackend();
  const scale = 4;
  registerCustomLayers(scale);
  const model = await tf.loadLayersModel(fsHandler(upscalerJsModelDir(name, scale)));
  const range = name === 'esrgan-thick' ? 1 : 255; // RRDN works on 0..1, the RDN models on 0..255 (their inputRange)
  const run = (rgb: Float32Array, w: number, h: number): Float32Array =>
    tf.tidy(() => {
      const out = model.predict(tf.tensor4d(rgb, [1, h, w, 3]).mul(range / 255)) as tf.Tensor;
      return out.mul(255 / range).clipByValue(0, 255).dataSync() as Float32Array;
    });
  return {
    name,
    scale,
    dispose: () => model.dispose(),
    async upscale(image: RgbaImage): Promise<RgbaImage> {
      const { width: W, height: H } = image;
      const out = resizeRgba(image, W * scale, H * scale); // alpha (and a fallback) bicubic
      for (let ty = 0; ty < H; ty += patchSize) {
        for (let tx = 0; tx < W; tx += patchSize) {
          const [x0, y0] = [Math.max(0, tx - padding), Math.max(0, ty - padding)];
          const [x1, y1] = [Math.min(W, tx + patchSize + padding), Math.min(H, ty + patchSize + padding)];
          const [pw, ph] = [x1 - x0, y1 - y0];
          const rgb = new Float32Array(pw * ph * 3);
          for (let y = 0; y < ph; y++) {
            for (let x = 0; x < pw; x++) {
              const s = ((y0 + y) * W + x0 + x) * 4;
              rgb.set([image.data[s]!, image.data[s + 1]!, image.data[s + 2]!], (y * pw + x) * 3);
            }
          }
          const res = run(rgb, pw, ph);
          const [cw, ch] = [Math.min(patchSize, W - tx) * scale, Math.min(patchSize, H - ty) * scale];
          const [ox, oy] = [(tx - x0) * scale, (ty - y0) * scale];
          for (let y = 0; y < ch; y++) {
            for (let x = 0; x < cw; x++) {
              const s = ((oy + y) * pw * scale + ox + x) * 3;
              const d = ((ty * scale + y) * W * scale + tx * scale + x) * 4;
              for (let c = 0; c < 3; c++) out.data[d + c] = Math.round(res[s + c]!);
            }
          }
        }
      }
      return out;
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { size: { type: 'string', default: '256' }, models: { type: 'string', default: UPSCALERJS_MODELS.join(',') } } });
  const { syntheticImage } = await import('./synthetic-image.ts');
  const size = Number(values.size);
  const { resultsPath, writeResults } = await import('./results.ts');
  const rows: { model: string; inputPx: number; outputPx: number; ms: number }[] = [];
  console.log(`| model | input | output | ms (after warm-up) |\n|---|---|---|---|`);
  for (const name of values.models.split(',') as UpscalerJsModel[]) {
    const m = await openUpscalerJs(name);
    await m.upscale(syntheticImage(32, false));
    const t0 = performance.now();
    const out = await m.upscale(syntheticImage(size, false));
    const ms = Math.round(performance.now() - t0);
    console.log(`| ${name} | ${size}² | ${out.width}² | ${ms} |`);
    m.dispose();
    rows.push({ model: name, inputPx: size, outputPx: out.width, ms });
    writeResults(resultsPath('upscalerjs.json'), { date: new Date().toISOString(), rows });
  }
  console.log('wrote bench/results/upscalerjs.json');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
