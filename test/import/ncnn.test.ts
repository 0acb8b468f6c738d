// `tsdsr models import --ncnn`: a tiny ncnn model written here (float32 and float16 weights), imported, run by the
// runtime and compared with a direct JavaScript evaluation of the same network; refusals of what cannot be imported.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../bridge-server/src/cli/io.ts';
import { main } from '../../bridge-server/src/cli/main.ts';
import { ImportError, importNcnn, locateNcnnModels } from '../../models/import/index.ts';
import { float16ToFloat32, float32ToFloat16 } from '../../models/io/index.ts';
import { nodeBackend, openUpscaler } from '../../models/runtime/node.ts';

/** A 3-channel image, channels planar. */
interface Planes {
  c: number;
  h: number;
  w: number;
  data: Float32Array;
}

// Input → Split → Conv 3→8 (+LeakyReLU 0.2) → Conv 8→12 → PReLU → PixelShuffle 2, plus nearest ×2 of the input → sum → ×0.5
const PARAM = `7767517
9 10
Input            in      0 1 data
Split            split   1 2 data d0 d1
Convolution      conv1   1 1 d0 a 0=8 1=3 4=1 5=1 6=216 9=2 -23310=1,2.000000e-01
Convolution      conv2   1 1 a b 0=12 1=3 4=1 5=1 6=864
PReLU            prelu   1 1 b p 0=12
PixelShuffle     shuffle 1 1 p c 0=2
Interp           up      1 1 d1 e 0=1 1=2.000000e+00 2=2.000000e+00
Eltwise          sum     2 1 c e s 0=1
BinaryOp         half    1 1 s out 0=2 1=1 2=5.000000e-01
`;

/** Deterministic small numbers in [−scale, scale). */
function noise(count: number, seed: number, scale: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return (state / 2 ** 31 - 0.5) * 2 * scale;
  });
}

const WEIGHTS = {
  conv1: noise(216, 1, 0.3), bias1: noise(8, 2, 0.1),
  conv2: noise(864, 3, 0.2), bias2: noise(12, 4, 0.1),
  slopes: noise(12, 5, 0.5),
};

const le32 = (values: number[]): Buffer => Buffer.from(new Uint32Array(values).buffer);
const f32 = (values: Float32Array): Buffer => Buffer.from(values.buffer.slice(0));

/** A tagged weight buffer as ncnn writes it: float32 (tag 0) or float16 (tag 0x01306B47, padded to 4 bytes). */
function taggedWeights(values: Float32Array, half: boolean): Buffer {
  if (!half) return Buffer.concat([le32([0]), f32(values)]);
  const bits = float32ToFloat16(values);
  const bytes = Buffer.from(bits.buffer.slice(0));
  return Buffer.concat([le32([0x01306b47]), bytes, Buffer.alloc((4 - (bytes.length % 4)) % 4)]);
}

function binFile(half: boolean): Buffer {
  const w = WEIGHTS;
  return Buffer.concat([taggedWeights(w.conv1, half), f32(w.bias1), taggedWeights(w.conv2, half), f32(w.bias2), f32(w.slopes)]);
}

/** The weights as the network computes with them (float16 rounded when stored so). */
const asStored = (values: Float32Array, half: boolean): Float32Array => (half ? float16ToFloat32(float32ToFloat16(values)) : values);

/** Zero-padded 3×3 convolution with optional bias, weights [out][in / group][3][3]. */
function conv3x3(x: Planes, weights: Float32Array, bias: Float32Array | undefined, out: number, group = 1): Planes {
  const y = new Float32Array(out * x.h * x.w);
  const [inPerGroup, outPerGroup] = [x.c / group, out / group];
  for (let o = 0; o < out; o++) {
    for (let i = 0; i < x.h; i++) {
      for (let j = 0; j < x.w; j++) {
        let sum = bias?.[o] ?? 0;
        const first = Math.floor(o / outPerGroup) * inPerGroup;
        for (let c = first; c < first + inPerGroup; c++) {
          for (let di = -1; di <= 1; di++) {
            for (let dj = -1; dj <= 1; dj++) {
              const [si, sj] = [i + di, j + dj];
              if (si < 0 || sj < 0 || si >= x.h || sj >= x.w) continue;
              sum += weights[((o * inPerGroup + c - first) * 3 + di + 1) * 3 + dj + 1]! * x.data[(c * x.h + si) * x.w + sj]!;
            }
          }
        }
        y[(o * x.h + i) * x.w + j] = sum;
      }
    }
  }
  return { c: out, h: x.h, w: x.w, data: y };
}

const mapPlanes = (x: Planes, f: (v: number, channel: number) => number): Planes => {
  const plane = x.h * x.w;
  return { ...x, data: x.data.map((v, k) => f(v, Math.floor(k / plane))) };
};

/** Reads planes at (c, i, j) through an index map: the base of mirroring, shuffling, upsampling and cropping. */
function remap(x: Planes, c: number, h: number, w: number, at: (c: number, i: number, j: number) => [number, number, number]): Planes {
  const data = new Float32Array(c * h * w);
  for (let k = 0; k < c; k++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const [sc, si, sj] = at(k, i, j);
        data[(k * h + i) * w + j] = x.data[(sc * x.h + si) * x.w + sj]!;
      }
    }
  }
  return { c, h, w, data };
}

const mirror = (i: number, n: number): number => (i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i);

/** The network of PARAM on an image in [0, 1], as Upscayl runs it: mirrored by up to 10 px, cropped afterwards. */
function reference(image: Planes, half: boolean): Planes {
  const [ph, pw] = [Math.min(10, image.h - 1), Math.min(10, image.w - 1)];
  const x = remap(image, 3, image.h + 2 * ph, image.w + 2 * pw, (c, i, j) => [c, mirror(i - ph, image.h), mirror(j - pw, image.w)]);
  const a = mapPlanes(conv3x3(x, asStored(WEIGHTS.conv1, half), WEIGHTS.bias1, 8), (v) => (v > 0 ? v : 0.2 * v));
  const b = conv3x3(a, asStored(WEIGHTS.conv2, half), WEIGHTS.bias2, 12);
  const p = mapPlanes(b, (v, c) => (v > 0 ? v : WEIGHTS.slopes[c]! * v));
  const shuffled = remap(p, 3, 2 * p.h, 2 * p.w, (c, i, j) => [c * 4 + (i % 2) * 2 + (j % 2), i >> 1, j >> 1]);
  const up = remap(x, 3, 2 * x.h, 2 * x.w, (c, i, j) => [c, i >> 1, j >> 1]);
  const out: Planes = { ...shuffled, data: shuffled.data.map((v, k) => 0.5 * (v + up.data[k]!)) };
  return remap(out, 3, 2 * image.h, 2 * image.w, (c, i, j) => [c, i + 2 * ph, j + 2 * pw]);
}

const testImage = (h: number, w: number): Planes => ({ c: 3, h, w, data: noise(3 * h * w, 7, 0.5).map((v) => v + 0.5) });

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tsdsr-ncnn-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Writes the model files into a folder of their own; returns the folder. */
async function writeModel(name: string, param: string, bin: Buffer): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${name}.param`), param);
  await writeFile(join(dir, `${name}.bin`), bin);
  return dir;
}

describe.each([false, true])('an ncnn model with %s float16 weights', (half) => {
  const name = half ? 'tiny-fp16' : 'tiny-fp32';
  let modelDir: string;

  beforeAll(async () => {
    const [files] = await locateNcnnModels(await writeModel(name, PARAM, binFile(half)));
    modelDir = join(root, 'models', name);
    const manifest = await importNcnn(files!, { out: modelDir, id: name });
    expect(manifest.scales).toEqual([2]);
    expect(manifest.io.range).toEqual([0, 1]);
    expect(manifest.provenance.weightStorage).toMatch(half ? /float16/ : /^float32$/);
  });

  it.each([[9, 12], [24, 20], [3, 5]])('matches a direct evaluation on a %dx%d image within float tolerance', async (h, w) => {
    const session = await nodeBackend.createSession(join(modelDir, 'x2.onnx'), 'cpu');
    try {
      const image = testImage(h, w);
      const result = (await session.run({ image: { data: image.data, dims: [1, 3, h, w] } })).upscaled!;
      expect(result.dims).toEqual([1, 3, 2 * h, 2 * w]);
      const expected = reference(image, half);
      let worst = 0;
      result.data.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - expected.data[k]!))));
      expect(worst).toBeLessThan(1e-5);
    } finally {
      await session.dispose();
    }
  });

  it('upscales an 8-bit image through the runtime within one level of the evaluation', async () => {
    const upscaler = await openUpscaler(modelDir, 'cpu');
    try {
      const [h, w] = [14, 17];
      const image = testImage(h, w);
      const rgba = new Uint8Array(h * w * 4).map((_, k) => (k % 4 === 3 ? 255 : Math.round(image.data[((k % 4) * h + Math.floor(k / 4 / w)) * w + (Math.floor(k / 4) % w)]! * 255)));
      const exact = { ...image, data: image.data.map((_, k) => rgba[(k % (h * w)) * 4 + Math.floor(k / (h * w))]! / 255) };
      const out = await upscaler.upscale({ width: w, height: h, data: rgba }, { scale: 2 });
      const expected = reference(exact, half);
      let worst = 0;
      for (let k = 0; k < 4 * h * w * 4; k++) {
        if (k % 4 === 3) continue;
        const pixel = Math.floor(k / 4);
        const value = Math.min(255, Math.max(0, expected.data[(k % 4) * 4 * h * w + pixel]! * 255));
        worst = Math.max(worst, Math.abs(out.data[k]! - value));
      }
      expect(worst).toBeLessThanOrEqual(1);
    } finally {
      await upscaler.dispose();
    }
  });
});

// Input → depthwise conv (+ReLU) → Concat with the input → conv without bias → minus the input: a ×1 network of the other layer kinds
const PARAM_X1 = `7767517
6 8
Input                in    0 1 data
Split                split 1 3 data d0 d1 d2
ConvolutionDepthWise dw    1 1 d0 a 0=3 1=3 4=1 5=1 6=27 7=3 9=1
Concat               cat   2 1 a d1 b 0=0
Convolution          mix   1 1 b m 0=3 1=3 4=1 5=0 6=162
BinaryOp             diff  2 1 m d2 out 0=1
`;

describe('depthwise convolution, Concat and a BinaryOp of two blobs', () => {
  it('match a direct evaluation', async () => {
    const [dw, dwBias, mix] = [noise(27, 11, 0.4), noise(3, 12, 0.1), noise(162, 13, 0.2)];
    const bin = Buffer.concat([taggedWeights(dw, false), f32(dwBias), taggedWeights(mix, true)]);
    const [files] = await locateNcnnModels(await writeModel('tiny-x1', PARAM_X1, bin));
    await importNcnn(files!, { out: join(root, 'models', 'tiny-x1'), id: 'tiny-x1' });
    const session = await nodeBackend.createSession(join(root, 'models', 'tiny-x1', 'x1.onnx'), 'cpu');
    try {
      const [h, w] = [7, 9];
      const image = testImage(h, w);
      const result = (await session.run({ image: { data: image.data, dims: [1, 3, h, w] } })).upscaled!;
      const x = remap(image, 3, h + 12, w + 16, (c, i, j) => [c, mirror(i - 6, h), mirror(j - 8, w)]);
      const a = mapPlanes(conv3x3(x, dw, dwBias, 3, 3), (v) => Math.max(0, v));
      const b: Planes = { c: 6, h: x.h, w: x.w, data: Float32Array.of(...a.data, ...x.data) };
      const m = conv3x3(b, asStored(mix, true), undefined, 3);
      const out = remap({ ...m, data: m.data.map((v, k) => v - x.data[k]!) }, 3, h, w, (c, i, j) => [c, i + 6, j + 8]);
      let worst = 0;
      result.data.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - out.data[k]!))));
      expect(worst).toBeLessThan(1e-5);
    } finally {
      await session.dispose();
    }
  });
});

describe('what cannot be imported', () => {
  const refusal = async (name: string, param: string, bin: Buffer): Promise<ImportError> => {
    const [files] = await locateNcnnModels(await writeModel(name, param, bin));
    const error = await importNcnn(files!, { out: join(root, 'models', name), id: name }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportError);
    return error as ImportError;
  };

  it('refuses a layer type it does not know, naming it', async () => {
    const param = PARAM.replace('9 10', '10 11').replace('BinaryOp         half    1 1 s out', 'BinaryOp         half    1 1 s t').concat('Softmax          soft    1 1 t out 0=0\n');
    const error = await refusal('unknown-layer', param, binFile(false));
    expect(error.message).toMatch(/layer type Softmax \(soft\) is not supported/);
  });

  it('refuses quantised weights, saying how they are stored', async () => {
    const quantised = Buffer.concat([le32([0x000d4b38]), Buffer.alloc(216), binFile(false).subarray(4 + 216 * 4)]);
    expect((await refusal('int8', PARAM, quantised)).message).toMatch(/conv1 weights is stored as int8.*only float32 and float16/);
    const table = Buffer.concat([Buffer.from([1, 0, 0, 0]), Buffer.alloc(256 * 4 + 216), binFile(false).subarray(4 + 216 * 4)]);
    expect((await refusal('table', PARAM, table)).message).toMatch(/stored as quantised/);
  });

  it('refuses a .bin that does not match the .param', async () => {
    expect((await refusal('short', PARAM, binFile(false).subarray(0, 500))).message).toMatch(/does not match the \.param/);
    expect((await refusal('long', PARAM, Buffer.concat([binFile(false), Buffer.alloc(8)]))).message).toMatch(/8 bytes are left/);
  });

  it('refuses weights that do not fit the blobs, and a network that is not RGB, naming the layer', async () => {
    const wrongInput = PARAM.replace('Convolution      conv2   1 1 a b', 'Convolution      conv2   1 1 d0 b');
    expect((await refusal('misfit', wrongInput, binFile(false))).message).toMatch(/Convolution conv2 cannot be converted: .*channels/);
    const grey = PARAM.replace('Input            in      0 1 data', 'Input            in      0 1 data 0=0 1=0 2=1');
    expect((await refusal('grey', grey, binFile(false))).message).toMatch(/Input takes 1 channels; only RGB/);
  });

  it('refuses a file that is not an ncnn .param', async () => {
    expect((await refusal('not-param', 'hello\n', Buffer.alloc(0))).message).toMatch(/not an ncnn \.param file/);
    await expect(readFile(join(root, 'models', 'not-param', 'model.json'))).rejects.toThrow();
  });
});

describe('tsdsr models import --ncnn', () => {
  const cli = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), stderr: { write: () => true }, env: { TSDSR_CONFIG_DIR: join(root, 'config') } };
    return { code: await main(argv, io), out, err };
  };

  it('imports every model of a folder under its file name, and lists them', async () => {
    const dir = await writeModel('Two-Models', PARAM, binFile(true));
    await writeFile(join(dir, 'Tiny-X2.param'), PARAM);
    await writeFile(join(dir, 'Tiny-X2.bin'), binFile(false));
    const run = await cli(['models', 'import', '--ncnn', dir, '--scale', '2']);
    expect(run.code).toBe(0);
    expect(run.out.join('\n')).toMatch(/imported tiny-x2 into .*imported two-models into/s);
    const list = await cli(['models', 'list', '--json']);
    const ids = (JSON.parse(list.out.join('\n')) as { models: { id: string }[] }).models.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['tiny-x2', 'two-models']));
  });

  it('refuses --id for a folder of several models, and a --scale the network does not have', async () => {
    const dir = join(root, 'Two-Models');
    expect((await cli(['models', 'import', '--ncnn', dir, '--id', 'one'])).code).not.toBe(0);
    const wrongScale = await cli(['models', 'import', '--ncnn', join(dir, 'Tiny-X2.param'), '--scale', '4']);
    expect(wrongScale.code).not.toBe(0);
    expect(wrongScale.err.join('\n')).toMatch(/upscales ×2, not ×4/);
  });
});
