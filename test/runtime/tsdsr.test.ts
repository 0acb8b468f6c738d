import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Graph } from '../../models/graph/graph.ts';
import { add, mul, resize } from '../../models/graph/ops/index.ts';
import { serializeModel } from '../../models/graph/serialize.ts';
import { CancelledError, type RgbaImage, type UpscaleProgress } from '../../models/runtime/index.ts';
import { openUpscaler } from '../../models/runtime/node.ts';
import { alphaEdgeGain, hardAlphaEdges } from '../../models/runtime/tsdsr-pipeline.ts';
import { resizeRgba } from '../../models/runtime/resize.ts';
import { gaussianTileWeights } from '../../models/runtime/tsdsr-pipeline.ts';
import { gradientImage, maxDifference, patternImage, softPixelsKeepingColor, squareOnTransparent } from '../helpers/images.ts';
import { writeToyTsdsr } from '../helpers/toy-tsdsr.ts';

/** Reference: ONNX Resize (cubic, a = −0.75, half-pixel) of the opaque colour to the output size, then f(u) per value. */
async function referenceUpscale(image: RgbaImage, width: number, height: number, f: (u: number) => number): Promise<RgbaImage> {
  const g = new Graph('reference');
  const x = g.input('image', 'float32', [1, 3, image.height, image.width]);
  g.output(resize(g, x, { mode: 'cubic', cubicCoeffA: -0.75, sizes: [1, 3, height, width] }), 'out');
  const planes = new Float32Array(3 * image.width * image.height);
  for (let i = 0; i < image.width * image.height; i++) for (let c = 0; c < 3; c++) planes[c * image.width * image.height + i] = image.data[i * 4 + c]! / 255;
  const session = await ort.InferenceSession.create(serializeModel(g));
  const up = (await session.run({ image: new ort.Tensor('float32', planes, [1, 3, image.height, image.width]) })).out!.data as Float32Array;
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) data[i * 4 + c] = Math.round(255 * Math.min(1, Math.max(0, f(Math.min(1, Math.max(0, up[c * width * height + i]!))))));
    data[i * 4 + 3] = 255;
  }
  return { width, height, data };
}

const dir = (name: string) => join(mkdtempSync(join(tmpdir(), 'tsdsr-toy-')), name);

describe('TSD-SR pipeline', () => {
  it('with v = 0 reproduces the bicubic upsampling through tiled encoder, denoiser and decoder', async () => {
    const d = dir('zero');
    writeToyTsdsr(d, { k: 0 });
    const model = await openUpscaler(d, 'cpu');
    const image = gradientImage(37, 29);
    const out = await model.upscale(image, { scale: 2.5 });
    expect([out.width, out.height]).toEqual([93, 73]); // not a multiple of the latent factor: padded, then cropped
    expect(maxDifference(out, await referenceUpscale(image, 93, 73, (u) => u))).toBeLessThanOrEqual(1);
    await model.dispose();
  });

  it('colour-fixes each tile against the same window of the upsampled input', async () => {
    const d = dir('wavelet');
    writeToyTsdsr(d, { k: 0, colorFix: 'wavelet' }); // the identity: a misplaced reference would pull in the wrong colours
    const model = await openUpscaler(d, 'cpu');
    const image = patternImage(30, 22);
    const opaque = { ...image, data: image.data.map((v, i) => (i % 4 === 3 ? 255 : v)) };
    const out = await model.upscale(opaque, { scale: 2 });
    expect(maxDifference(out, await referenceUpscale(opaque, 60, 44, (u) => u))).toBeLessThanOrEqual(1);
    await model.dispose();
  });

  it('takes z − v in the scaled latent (sign and scaling factor)', async () => {
    const d = dir('half');
    writeToyTsdsr(d, { k: 0.25 }); // v = −0.25 z, so the decoded image is 1.25 × (2u − 1)
    const model = await openUpscaler(d, 'cpu');
    const image = gradientImage(24, 20);
    const out = await model.upscale(image, { scale: 3 });
    const expected = await referenceUpscale(image, 72, 60, (u) => (1.25 * (2 * u - 1) + 1) / 2);
    expect(maxDifference(out, expected)).toBeLessThanOrEqual(1);
    await model.dispose();
  });

  it('blends latent tiles so the result matches one whole-latent pass within 1/255', async () => {
    const [tiled, whole] = [dir('tiled'), dir('whole')];
    writeToyTsdsr(tiled, { k: 0.1, blur: true, latentTile: 4 });
    writeToyTsdsr(whole, { k: 0.1, blur: true, latentTile: 64 });
    const image = patternImage(40, 32);
    const [a, b] = [await openUpscaler(tiled, 'cpu'), await openUpscaler(whole, 'cpu')];
    const opaque = { ...image, data: image.data.map((v, i) => (i % 4 === 3 ? 255 : v)) };
    expect(maxDifference(await a.upscale(opaque, { scale: 2, tileSize: 32, overlap: 16 }), await b.upscale(opaque, { scale: 2, tileSize: 512 }))).toBeLessThanOrEqual(1);
  });

  it('keeps transparency without dark fringes', async () => {
    const d = dir('alpha');
    writeToyTsdsr(d, { k: 0 });
    const model = await openUpscaler(d, 'cpu');
    const out = await model.upscale(squareOnTransparent(), { scale: 4 });
    const { soft, wrong } = softPixelsKeepingColor(out);
    expect(wrong).toBe(0);
    expect(soft).toBeGreaterThan(0);
    expect(out.data[3]).toBe(0);
  });

  it('reports progress over all three passes and stops when cancelled', async () => {
    const d = dir('progress');
    writeToyTsdsr(d, { k: 0 });
    const model = await openUpscaler(d, 'cpu');
    const events: UpscaleProgress[] = [];
    await model.upscale(gradientImage(32, 32), { scale: 2, batchSize: 1, onProgress: (p) => events.push(p) });
    // 64² output on a 128² canvas (32 px of context each side): encoder 7×7 pixel tiles of 32 (overlap 16),
    // denoiser 7×7 latent tiles of 4 (overlap 2), decoder 7×7
    expect(events.map((e) => e.tilesDone)).toEqual(Array.from({ length: 147 }, (_, i) => i + 1));
    expect(events.at(-1)).toEqual({ stage: 'upscale', tilesDone: 147, tilesTotal: 147 });
    const controller = new AbortController();
    const job = model.upscale(gradientImage(32, 32), { scale: 2, batchSize: 1, signal: controller.signal, onProgress: (p) => p.tilesDone === 5 && controller.abort() });
    await expect(job).rejects.toBeInstanceOf(CancelledError);
  });

  it('uses TSD-SR latent tile weights: a Gaussian peaking at the centre', () => {
    const w = gaussianTileWeights(64);
    expect(w[31]).toBeCloseTo(w[32]!, 10);
    expect(w[0]! / w[31]!).toBeCloseTo(Math.exp(-(31.5 ** 2 - 0.5 ** 2) / 64 ** 2 / 0.02), 8);
  });

  describe('per tile (latent.perTile)', () => {
    it('with v = 0 reproduces the bicubic upsampling, and takes z − v in the scaled latent', async () => {
      const [zero, half] = [dir('pt-zero'), dir('pt-half')];
      writeToyTsdsr(zero, { k: 0, perTile: true });
      writeToyTsdsr(half, { k: 0.25, perTile: true });
      const image = gradientImage(37, 29);
      const [a, b] = [await openUpscaler(zero, 'cpu'), await openUpscaler(half, 'cpu')];
      const out = await a.upscale(image, { scale: 2.5 });
      expect([out.width, out.height]).toEqual([93, 73]);
      expect(maxDifference(out, await referenceUpscale(image, 93, 73, (u) => u))).toBeLessThanOrEqual(1);
      const expected = await referenceUpscale(image, 93, 73, (u) => (1.25 * (2 * u - 1) + 1) / 2);
      expect(maxDifference(await b.upscale(image, { scale: 2.5 }), expected)).toBeLessThanOrEqual(1);
    });

    it('colour-fixes each tile of a batch against its own input window', async () => {
      const d = dir('pt-wavelet');
      writeToyTsdsr(d, { k: 0, colorFix: 'wavelet', perTile: true }); // the identity: a reference from another tile would pull in its colours
      const model = await openUpscaler(d, 'cpu');
      const image = patternImage(30, 22);
      const opaque = { ...image, data: image.data.map((v, i) => (i % 4 === 3 ? 255 : v)) };
      const out = await model.upscale(opaque, { scale: 2, batchSize: 4 });
      expect(maxDifference(out, await referenceUpscale(opaque, 60, 44, (u) => u))).toBeLessThanOrEqual(1);
    });

    it('discards the margin each tile cannot see past, so small tiles match one whole tile within 1/255', async () => {
      const d = dir('pt-blur');
      writeToyTsdsr(d, { k: 0.1, blur: true, perTile: true, margin: 8 }); // the blur reads one latent cell (8 px) past each side
      const model = await openUpscaler(d, 'cpu');
      const image = patternImage(40, 32);
      const opaque = { ...image, data: image.data.map((v, i) => (i % 4 === 3 ? 255 : v)) };
      const tiled = await model.upscale(opaque, { scale: 2, tileSize: 48, overlap: 32 });
      const whole = await model.upscale(opaque, { scale: 2, tileSize: 512 });
      expect(maxDifference(tiled, whole)).toBeLessThanOrEqual(1);
      // without the margin, pixels computed against a tile's zero padding reach the output
      const noMargin = dir('pt-blur-0');
      writeToyTsdsr(noMargin, { k: 0.1, blur: true, perTile: true, margin: 0 });
      const bare = await openUpscaler(noMargin, 'cpu');
      expect(maxDifference(await bare.upscale(opaque, { scale: 2, tileSize: 48, overlap: 32 }), whole)).toBeGreaterThan(1);
    });

    it('finishes tiles with the model\'s finish graph exactly as the JS clamp and wavelet fix do, unless another fix is chosen', async () => {
      const [withGraph, withoutGraph] = [dir('pt-finish'), dir('pt-js')];
      writeToyTsdsr(withGraph, { k: 0.4, blur: true, perTile: true, colorFix: 'wavelet', finish: true });
      writeToyTsdsr(withoutGraph, { k: 0.4, blur: true, perTile: true, colorFix: 'wavelet' });
      const [a, b] = [await openUpscaler(withGraph, 'cpu'), await openUpscaler(withoutGraph, 'cpu')];
      const image = patternImage(40, 32);
      const opaque = { ...image, data: image.data.map((v, i) => (i % 4 === 3 ? 255 : v)) };
      const fixed = await a.upscale(opaque, { scale: 2, batchSize: 3 });
      expect(maxDifference(fixed, await b.upscale(opaque, { scale: 2, batchSize: 3 }))).toBeLessThanOrEqual(1);
      const none = await a.upscale(opaque, { scale: 2, colorFix: 'none' });
      expect(maxDifference(none, await b.upscale(opaque, { scale: 2, colorFix: 'none' }))).toBeLessThanOrEqual(1);
      expect(maxDifference(none, fixed)).toBeGreaterThan(5); // k = 0.4 shifts colours the fix pulls back
    });

    it('runs the finish graph on every tile (a graph that paints grey paints the whole output)', async () => {
      const d = dir('pt-grey');
      writeToyTsdsr(d, { k: 0, perTile: true, colorFix: 'wavelet', finish: true });
      const g = new Graph('grey_finish');
      const image = g.input('image', 'float32', ['N', 3, 'H', 'W']);
      g.input('reference', 'float32', ['N', 3, 'H', 'W']);
      g.output(add(g, mul(g, image, 0), 0.5), 'fixed');
      writeFileSync(join(d, 'finish.onnx'), serializeModel(g));
      const model = await openUpscaler(d, 'cpu');
      const out = await model.upscale(gradientImage(37, 29), { scale: 2, batchSize: 3 });
      expect(new Set(out.data.filter((_, i) => i % 4 !== 3))).toEqual(new Set([128]));
    });

    it('counts one step per tile and stops when cancelled', async () => {
      const d = dir('pt-progress');
      writeToyTsdsr(d, { k: 0, perTile: true });
      const model = await openUpscaler(d, 'cpu');
      const events: UpscaleProgress[] = [];
      await model.upscale(gradientImage(32, 32), { scale: 2, batchSize: 1, onProgress: (p) => events.push(p) });
      // 64² output on a 128² canvas: 7×7 tiles of 32 px (overlap 16), each through all three graphs
      expect(events.map((e) => e.tilesDone)).toEqual(Array.from({ length: 49 }, (_, i) => i + 1));
      const controller = new AbortController();
      const job = model.upscale(gradientImage(32, 32), { scale: 2, batchSize: 1, signal: controller.signal, onProgress: (p) => p.tilesDone === 5 && controller.abort() });
      await expect(job).rejects.toBeInstanceOf(CancelledError);
    });

    it('upscales alpha edges through the model as a grey image, keeps smooth alpha bicubic, or resamples when asked', async () => {
      const d = dir('pt-alpha-model');
      writeToyTsdsr(d, { k: 0.25, perTile: true }); // decoded = 1.25 × (2u − 1), so the model's mark is plain
      const model = await openUpscaler(d, 'cpu');
      const image = gradientImage(24, 20);
      const withAlpha = (a: (x: number, y: number) => number) => ({ ...image, data: image.data.map((v, i) => (i % 4 === 3 ? a((i >> 2) % 24, Math.floor((i >> 2) / 24)) : v)) });
      const alphaOf = async (rgba: RgbaImage, f: (u: number) => number) => {
        const grey = { ...rgba, data: rgba.data.map((v, i) => (i % 4 === 3 ? 255 : rgba.data[i - (i % 4) + 3]!)) };
        return (await referenceUpscale(grey, 72, 60, f)).data.filter((_, i) => i % 4 === 0);
      };
      const worst = (out: RgbaImage, expected: Uint8Array) => Math.max(...Array.from(expected, (v, p) => Math.abs(out.data[p * 4 + 3]! - v)));
      // edges everywhere (a 2 px checker of alpha 40 and 220): the model's result
      const checker = withAlpha((x, y) => ((x >> 1) + (y >> 1)) % 2 ? 220 : 40);
      const events: UpscaleProgress[] = [];
      const out = await model.upscale(checker, { scale: 3, batchSize: 2, onProgress: (p) => events.push(p) });
      expect(worst(out, await alphaOf(checker, (u) => (1.25 * (2 * u - 1) + 1) / 2))).toBeLessThanOrEqual(1);
      const opaqueEvents: UpscaleProgress[] = [];
      await model.upscale(image, { scale: 3, batchSize: 2, onProgress: (p) => opaqueEvents.push(p) });
      expect(events.at(-1)!.tilesTotal).toBe(2 * opaqueEvents.at(-1)!.tilesTotal); // a second pass for the alpha
      // a smooth ramp (7 levels per pixel): the bicubic upsample, untouched by the model
      const ramp = withAlpha((x) => 40 + 7 * x);
      expect(worst(await model.upscale(ramp, { scale: 3 }), await alphaOf(ramp, (u) => u))).toBeLessThanOrEqual(1);
      // no step above 4 levels anywhere: the pass is skipped and alpha resampled as with alpha: 'bicubic'
      const gentle = withAlpha((x, y) => 40 + 3 * x + 2 * y);
      const gentleOut = await model.upscale(gentle, { scale: 3 });
      expect(worst(gentleOut, resizeRgba(gentle, 72, 60).data.filter((_, i) => i % 4 === 3))).toBe(0);
      // alpha: 'bicubic' resamples it exactly as resizeRgba does
      const resampled = await model.upscale(checker, { scale: 3, alpha: 'bicubic' });
      const bicubicAlpha = resizeRgba(checker, 72, 60).data.filter((_, i) => i % 4 === 3);
      expect(worst(resampled, bicubicAlpha)).toBe(0);
    });

    it('narrows the hard alpha edges of a shape on transparency by alphaEdgeGain around ½, and only those', async () => {
      const d = dir('pt-alpha-hard');
      writeToyTsdsr(d, { k: 0, perTile: true }); // the model returns its upsampled input: the alpha pass gives the bicubic alpha
      const model = await openUpscaler(d, 'cpu');
      const image = gradientImage(24, 20);
      // a square at full opacity with a soft shadow strip (alpha 90) on transparency
      const alphaAt = (x: number, y: number): number => (x >= 6 && x < 16 && y >= 5 && y < 15 ? 255 : x >= 19 && x < 22 && y >= 4 && y < 16 ? 90 : 0);
      const shape = { ...image, data: image.data.map((v, i) => (i % 4 === 3 ? alphaAt((i >> 2) % 24, Math.floor((i >> 2) / 24)) : v)) };
      const grey = { ...shape, data: shape.data.map((v, i) => (i % 4 === 3 ? 255 : shape.data[i - (i % 4) + 3]!)) };
      const plain = (await referenceUpscale(grey, 72, 60, (u) => u)).data.filter((_, i) => i % 4 === 0);
      const out = await model.upscale(shape, { scale: 3 });
      const mask = hardAlphaEdges(shape);
      expect(alphaEdgeGain(3)).toBe(2);
      let [narrowed, softBefore, softAfter] = [0, 0, 0];
      for (let p = 0; p < 72 * 60; p++) {
        const [x, y] = [p % 72, Math.floor(p / 72)];
        const onEdge = mask[Math.floor(y / 3) * 24 + Math.floor(x / 3)] === 1;
        const expected = onEdge ? Math.max(0, Math.min(255, 127.5 + 2 * (plain[p]! - 127.5))) : plain[p]!;
        expect(Math.abs(out.data[p * 4 + 3]! - expected)).toBeLessThanOrEqual(2);
        if (onEdge && plain[p]! > 10 && plain[p]! < 245) narrowed++;
        if (x < 54) softBefore += Math.min(plain[p]!, 255 - plain[p]!); // how far from opaque or clear the square's rim is
        if (x < 54) softAfter += Math.min(out.data[p * 4 + 3]!, 255 - out.data[p * 4 + 3]!);
      }
      expect(narrowed).toBeGreaterThan(0);
      expect(softAfter).toBeLessThan(0.75 * softBefore); // the square's antialiased rim is narrower
      // the shadow strip never reaches full opacity: none of its pixels is on a hard edge, so it keeps the model's alpha
      for (let y = 4; y < 16; y++) for (let x = 19; x < 22; x++) expect(mask[y * 24 + x]).toBe(0);
    });

    it('leaves a tile of one flat colour as it is instead of running the graphs on it', async () => {
      const d = dir('pt-flat');
      writeToyTsdsr(d, { k: 0.25, perTile: true }); // would turn 100 into (1.25 × (200/255 − 1) + 1) / 2 · 255 ≈ 93
      const model = await openUpscaler(d, 'cpu');
      const flat = { width: 20, height: 16, data: Uint8Array.from({ length: 20 * 16 * 4 }, (_, i) => [100, 150, 200, 255][i % 4]!) };
      const out = await model.upscale(flat, { scale: 2 });
      expect(new Set(out.data.filter((_, i) => i % 4 === 0))).toEqual(new Set([100]));
      expect(new Set(out.data.filter((_, i) => i % 4 === 2))).toEqual(new Set([200]));
    });

    it('keeps transparency without dark fringes', async () => {
      const d = dir('pt-alpha');
      writeToyTsdsr(d, { k: 0, perTile: true });
      const out = await (await openUpscaler(d, 'cpu')).upscale(squareOnTransparent(), { scale: 4 });
      const { soft, wrong } = softPixelsKeepingColor(out);
      expect(wrong).toBe(0);
      expect(soft).toBeGreaterThan(0);
      expect(out.data[3]).toBe(0);
    });
  });
});
