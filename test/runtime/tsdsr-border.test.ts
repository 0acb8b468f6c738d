import { describe, expect, it } from 'vitest';
import { createRgbaImage, type RgbaImage } from '../../models/runtime/image.ts';
import { borderContextPx, upscaleTsdsr, type TsdsrGraphs, type TsdsrSettings } from '../../models/runtime/tsdsr-pipeline.ts';
import type { TileRunner } from '../../models/runtime/upscale-tiles.ts';

const F = 4;

/** 3×3 box blur of `count` planes of h × w with zero padding: darkens a flat plane along its edges, like a conv. */
function boxBlurZeroPadded(data: Float32Array, count: number, h: number, w: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let p = 0; p < count; p++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        let sum = 0;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            if (y + dy >= 0 && y + dy < h && x + dx >= 0 && x + dx < w) sum += data[(p * h + y + dy) * w + x + dx]!;
          }
        }
        out[(p * h + y) * w + x] = sum / 9;
      }
    }
  }
  return out;
}

/** Stand-in graphs that see only their tile, zero-padded: 4×4 average-pool encoder, box-blur denoiser (z − v = blur z), nearest ×4 + box-blur decoder. */
const zeroPaddingGraphs: TsdsrGraphs = {
  encoder: (async (data, count, h, w) => {
    const out = new Float32Array((count * 3 * h * w) / (F * F));
    const [lh, lw] = [h / F, w / F];
    for (let p = 0; p < count * 3; p++) {
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[(p * lh + Math.floor(y / F)) * lw + Math.floor(x / F)]! += data[(p * h + y) * w + x]! / (F * F);
    }
    return out;
  }) satisfies TileRunner,
  denoiser: (async (z, count, h, w) => {
    const blurred = boxBlurZeroPadded(z, count * 3, h, w);
    return z.map((v, i) => v - blurred[i]!);
  }) satisfies TileRunner,
  decoder: (async (z, count, h, w) => {
    const [oh, ow] = [h * F, w * F];
    const up = new Float32Array(count * 3 * oh * ow);
    for (let p = 0; p < count * 3; p++) {
      for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++) up[(p * oh + y) * ow + x] = z[(p * h + Math.floor(y / F)) * w + Math.floor(x / F)]!;
    }
    return boxBlurZeroPadded(up, count * 3, oh, ow);
  }) satisfies TileRunner,
};

const settings: TsdsrSettings = {
  scale: F,
  tileSize: 512,
  overlap: 32,
  margin: 8,
  latent: { channels: 3, factor: F, scalingFactor: 1, shiftFactor: 0, timestep: 250, cubicA: -0.75, tile: { size: 128, overlap: 8 } },
  range: [-1, 1],
  colorFix: 'none',
  batchSize: 4,
};

function flatImage(width: number, height: number, rgba: readonly number[]): RgbaImage {
  const image = createRgbaImage(width, height);
  for (let i = 0; i < image.data.length; i++) image.data[i] = rgba[i % 4]!;
  return image;
}

/** The largest distance of any colour value from `rgb`, over pixels with alpha > 0. */
function maxColourError(image: RgbaImage, rgb: readonly number[]): number {
  let max = 0;
  for (let i = 0; i < image.data.length; i += 4) {
    if (image.data[i + 3] === 0) continue;
    for (let c = 0; c < 3; c++) max = Math.max(max, Math.abs(image.data[i + c]! - rgb[c]!));
  }
  return max;
}

describe('TSD-SR border context', () => {
  it('keeps a flat image flat up to its edges although every graph zero-pads its tile', async () => {
    const grey = [200, 170, 90];
    const image = flatImage(26, 19, [...grey, 255]);
    for (const tiling of [{}, { tileSize: 64, overlap: 32, latent: { ...settings.latent, tile: { size: 16, overlap: 8 } } }]) {
      const out = await upscaleTsdsr(image, zeroPaddingGraphs, { ...settings, ...tiling });
      expect([out.width, out.height]).toEqual([104, 76]);
      expect(maxColourError(out, grey)).toBeLessThanOrEqual(1);
    }
  });

  it('without context shows the zero padding as dark edges (what the context removes)', async () => {
    const out = await upscaleTsdsr(flatImage(26, 19, [200, 170, 90, 255]), zeroPaddingGraphs, { ...settings, borderContext: 0 });
    expect(out.data[0]).toBeLessThan(150);
    expect(out.data[(38 * 104 + 52) * 4]).toBe(200); // the centre is untouched
  });

  it('keeps alpha and the flat colour of a partly transparent image', async () => {
    const image = flatImage(20, 16, [40, 120, 220, 255]);
    for (let y = 0; y < 16; y++) for (let x = 0; x < 6; x++) image.data[(y * 20 + x) * 4 + 3] = 0;
    const out = await upscaleTsdsr(image, zeroPaddingGraphs, settings);
    expect(out.data[3]).toBe(0);
    expect(out.data[(10 * 80 + 79) * 4 + 3]).toBe(255);
    expect(maxColourError(out, [40, 120, 220])).toBeLessThanOrEqual(1);
  });

  it('uses 16 latent cells of context by default, in whole aligned cells, at most half the longer side', () => {
    expect(borderContextPx(settings, 2048, 2048, 4)).toBe(64);
    expect(borderContextPx(settings, 40, 24, 4)).toBe(20);
    expect(borderContextPx({ ...settings, borderContext: 30 }, 2048, 2048, 8)).toBe(24);
    expect(borderContextPx({ ...settings, borderContext: 0 }, 2048, 2048, 4)).toBe(0);
  });
});
