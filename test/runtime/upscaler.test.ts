import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError, ScaleError, loadUpscaler, type Upscaler, type UpscaleProgress } from '../../models/runtime/index.ts';
import { loadModelDir, nodeBackend, openUpscaler } from '../../models/runtime/node.ts';
import { readFile } from 'node:fs/promises';
import { gradientImage, maxDifference, patternImage, softPixelsKeepingColor, squareOnTransparent } from '../helpers/images.ts';

let bicubic: Upscaler;
let nearest: Upscaler;
beforeAll(async () => {
  bicubic = await openUpscaler('models/zoo/bicubic', 'cpu');
  nearest = await openUpscaler('models/zoo/nearest', 'cpu');
});
afterAll(async () => {
  await bicubic.dispose();
  await nearest.dispose();
});

describe('upscaling through tiles', () => {
  it('gives exactly scale × the size and keeps alpha', async () => {
    const image = patternImage(45, 30);
    const out = await bicubic.upscale(image, { scale: 4 });
    expect([out.width, out.height]).toEqual([180, 120]);
    expect(out.data[3]).toBe(0); // left quarter stays transparent
    expect(out.data[(60 * 180 + 120) * 4 + 3]).toBeGreaterThan(0);
    expect(new Set(Array.from(out.data.filter((_, i) => i % 4 === 3))).size).toBeGreaterThan(3);
  });

  it('equals the untiled result within 1/255 for any tile size, with and without alpha', async () => {
    for (const image of [patternImage(70, 45), gradientImage(70, 45)]) {
      const whole = await bicubic.upscale(image, { scale: 4, tileSize: 512 });
      for (const [tileSize, overlap] of [[16, 8], [24, 8], [32, 12]] as const) {
        const tiled = await bicubic.upscale(image, { scale: 4, tileSize, overlap });
        expect(maxDifference(tiled, whole)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('shows no seams on a smooth gradient', async () => {
    const out = await bicubic.upscale(gradientImage(96, 64), { scale: 4, tileSize: 24, overlap: 8 });
    // along each row the red channel must rise by 0 to 2 levels per pixel everywhere, tile borders included
    for (let y = 0; y < out.height; y += 7) {
      for (let x = 1; x < out.width; x++) {
        const step = out.data[(y * out.width + x) * 4]! - out.data[(y * out.width + x - 1) * 4]!;
        expect(step).toBeGreaterThanOrEqual(0);
        expect(step).toBeLessThanOrEqual(2);
      }
    }
  });

  it('recombines alpha without dark fringes', async () => {
    const { soft, wrong } = softPixelsKeepingColor(await bicubic.upscale(squareOnTransparent(), { scale: 3 }));
    expect(wrong).toBe(0);
    expect(soft).toBeGreaterThan(0);
  });

  it('replicates pixels exactly with the nearest model', async () => {
    const image = patternImage(20, 12);
    const out = await nearest.upscale(image, { scale: 3, tileSize: 8, overlap: 4 });
    for (let y = 0; y < out.height; y++) {
      for (let x = 0; x < out.width; x++) {
        const src = image.data.subarray(((y / 3 | 0) * 20 + (x / 3 | 0)) * 4, ((y / 3 | 0) * 20 + (x / 3 | 0)) * 4 + 4);
        const a = src[3]!;
        const got = Array.from(out.data.subarray((y * out.width + x) * 4, (y * out.width + x) * 4 + 4));
        expect(got[3]).toBe(a);
        if (a === 255) expect(got).toEqual(Array.from(src));
      }
    }
  });

  it('reaches non-native factors through a final resample', async () => {
    const image = patternImage(21, 13);
    for (const scale of [2.5, 5, 8]) {
      const out = await bicubic.upscale(image, { scale });
      expect([out.width, out.height]).toEqual([Math.round(21 * scale), Math.round(13 * scale)]);
    }
  });

  it('refuses factors outside (1, 8]', async () => {
    for (const scale of [1, 0.5, 9, Number.NaN]) {
      await expect(bicubic.upscale(patternImage(8, 8), { scale })).rejects.toBeInstanceOf(ScaleError);
    }
  });

  it('reports progress per tile and stops at the next batch when cancelled', async () => {
    const events: UpscaleProgress[] = [];
    await bicubic.upscale(gradientImage(64, 64), { scale: 2, tileSize: 16, overlap: 4, batchSize: 1, onProgress: (p) => events.push(p) });
    expect(events.at(-1)).toEqual({ stage: 'upscale', tilesDone: 25, tilesTotal: 25 });
    expect(events.map((e) => e.tilesDone)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));

    const controller = new AbortController();
    const seen: number[] = [];
    const job = bicubic.upscale(gradientImage(64, 64), {
      scale: 2,
      tileSize: 16,
      overlap: 4,
      batchSize: 1,
      signal: controller.signal,
      onProgress: (p) => {
        seen.push(p.tilesDone);
        if (p.tilesDone === 3) controller.abort();
      },
    });
    await expect(job).rejects.toBeInstanceOf(CancelledError);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('gives the same result when the graph takes one tile per run', async () => {
    const manifest = await loadModelDir('models/zoo/bicubic');
    const single = await loadUpscaler(nodeBackend, { ...manifest, io: { ...manifest.io, batch: false } }, (f) => readFile(`models/zoo/bicubic/${f}`), 'cpu');
    const image = patternImage(40, 40);
    const a = await single.upscale(image, { scale: 2, tileSize: 16 });
    const b = await bicubic.upscale(image, { scale: 2, tileSize: 16 });
    expect(maxDifference(a, b)).toBe(0);
    await single.dispose();
  });

  it('applies a colour fix when asked (a no-op in colour for bicubic, but it runs)', async () => {
    const image = gradientImage(48, 48);
    const plain = await bicubic.upscale(image, { scale: 2, tileSize: 24, overlap: 8 });
    for (const colorFix of ['wavelet', 'adain'] as const) {
      const fixed = await bicubic.upscale(image, { scale: 2, tileSize: 24, overlap: 8, colorFix });
      expect(maxDifference(fixed, plain)).toBeLessThanOrEqual(3);
    }
  });
});

describe('devices', () => {
  it('falls back to the CPU with a logged reason when the requested device cannot start', async () => {
    const messages: string[] = [];
    const up = await openUpscaler('models/zoo/bicubic', 'cuda', (m) => messages.push(m));
    if (up.device === 'cpu') expect(messages.join('\n')).toMatch(/cuda/);
    else expect(up.device).toBe('cuda');
    await up.dispose();
  });

  it('refuses a malformed manifest with the reason', async () => {
    const { parseManifest } = await import('../../models/runtime/manifest.ts');
    const good = JSON.parse(await readFile('models/zoo/bicubic/model.json', 'utf8'));
    expect(() => parseManifest({ ...good, scales: [2, 5] })).toThrow(/no graph for scale 5/);
    expect(() => parseManifest({ ...good, colorFix: 'sepia' })).toThrow(/colorFix/);
    expect(() => parseManifest({ ...good, antiRing: 1.5 })).toThrow(/antiRing must be a number from 0 to 1/);
    expect(() => parseManifest({ ...good, antiRing: '1' })).toThrow(/antiRing/);
    expect(parseManifest({ ...good, antiRing: 0.5 }).antiRing).toBe(0.5);
    expect(() => parseManifest({ ...good, graphs: { ...good.graphs, 2: '../../x2.onnx' } })).toThrow(/inside the model directory/);
  });
});
