// bench/quality.ts's LR inputs for images with transparency: the invisible RGB under fully transparent pixels (black in
// a rendered icon) must not leak into the visible edge pixels, under either degradation.
import { describe, expect, it } from 'vitest';
import { fitWithin, makeLr } from '../../bench/quality.ts';
import type { RgbaImage } from '../../models/runtime/index.ts';

/** 64 × 64: a sky-blue square (rows and columns 16–47) on fully transparent black. */
function iconOnTransparentBlack(): RgbaImage {
  const [width, height] = [64, 64];
  const data = new Uint8Array(width * height * 4);
  for (let y = 16; y < 48; y++) for (let x = 16; x < 48; x++) data.set([60, 170, 230, 255], (y * width + x) * 4);
  return { width, height, data };
}

/** The mean luma of the LR's partly transparent pixels (its alpha edge). */
function edgeLuma(lr: RgbaImage): { mean: number; count: number } {
  let [sum, count] = [0, 0];
  for (let p = 0; p < lr.data.length; p += 4) {
    if (lr.data[p + 3] === 0 || lr.data[p + 3] === 255) continue;
    sum += 0.299 * lr.data[p]! + 0.587 * lr.data[p + 1]! + 0.114 * lr.data[p + 2]!;
    count++;
  }
  return { mean: sum / count, count };
}

describe('bench LR of an image with transparency', () => {
  // reading the hidden black, the edge pixels' mean luma fell 81 levels (bicubic) and 56 (Real-ESRGAN)
  it.each(['bicubic', 'realesrgan'] as const)('keeps the alpha edge the square\'s colour, not darkened by the hidden black (%s)', async (degradation) => {
    const lr = await makeLr(iconOnTransparentBlack(), degradation, 3);
    expect([lr.width, lr.height]).toEqual([16, 16]);
    const edge = edgeLuma(lr);
    expect(edge.count).toBeGreaterThan(0); // the alpha edge is soft, so the check reads edge pixels
    expect(Math.abs(edge.mean - (0.299 * 60 + 0.587 * 170 + 0.114 * 230))).toBeLessThan(6); // the square's luma, 144.8
  });
});

describe('bench --fit', () => {
  it('scales an image down to the longer side asked, keeps one that fits, and keeps edges its colour', async () => {
    const wide: RgbaImage = { width: 200, height: 100, data: new Uint8Array(200 * 100 * 4) };
    for (let y = 25; y < 75; y++) for (let x = 50; x < 150; x++) wide.data.set([60, 170, 230, 255], (y * 200 + x) * 4);
    const fitted = await fitWithin(wide, 80);
    expect([fitted.width, fitted.height]).toEqual([80, 40]);
    expect(fitted.data[(20 * 80 + 40) * 4 + 3]).toBe(255); // the square's middle
    expect(fitted.data[(2 * 80 + 2) * 4 + 3]).toBe(0); // a transparent corner
    // the edge as seen: its pixels' luma weighted by their alpha (a pixel of alpha 1 shows 1/255 of its colour)
    let [sum, weight] = [0, 0];
    for (let p = 0; p < fitted.data.length; p += 4) {
      const a = fitted.data[p + 3]!;
      if (a === 0 || a === 255) continue;
      sum += a * (0.299 * fitted.data[p]! + 0.587 * fitted.data[p + 1]! + 0.114 * fitted.data[p + 2]!);
      weight += a;
    }
    expect(weight).toBeGreaterThan(0);
    expect(Math.abs(sum / weight - (0.299 * 60 + 0.587 * 170 + 0.114 * 230))).toBeLessThan(3);
    expect(await fitWithin(wide, 200)).toBe(wide);
  });
});
