// Anti-ringing: output colours clamped towards the range of the 2 × 2 input pixels they came from, by a strength;
// applied by an upscaler whose model.json (or call) states `antiRing`.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { antiRing, type RgbaImage } from '../../models/runtime/index.ts';
import { openUpscaler } from '../../models/runtime/node.ts';
import { patternImage } from '../helpers/images.ts';
import { writeToyTsdsr } from '../helpers/toy-tsdsr.ts';

/** An image of one row of grey values (alpha per value, 255 unless given). */
const row = (values: number[], alpha?: number[]): RgbaImage => ({
  width: values.length, height: 1, data: Uint8Array.from(values.flatMap((v, i) => [v, v, v, alpha?.[i] ?? 255])),
});
const greys = (image: RgbaImage): number[] => Array.from({ length: image.width * image.height }, (_, i) => image.data[i * 4]!);

/** For each output pixel, the [min, max] of each channel over the 2 × 2 nearest opaque input pixels (half-pixel mapping). */
function ranges(input: RgbaImage, width: number, height: number): { low: number; high: number }[] {
  const near = (o: number, outSize: number, inSize: number): number[] => {
    const a = Math.floor(((o + 0.5) * inSize) / outSize - 0.5);
    return [a, a + 1].map((i) => Math.max(0, Math.min(inSize - 1, i)));
  };
  const out: { low: number; high: number }[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        const values = near(y, height, input.height).flatMap((sy) => near(x, width, input.width).map((sx) => input.data[(sy * input.width + sx) * 4 + c]!));
        out.push({ low: Math.min(...values), high: Math.max(...values) });
      }
    }
  }
  return out;
}

describe('antiRing', () => {
  // ×4 of [10, 200]: output pixels 0–1 read input 0 only (the edge replicated), 2–5 both, 6–7 input 1 only.
  const input = row([10, 200]);
  const output = row([0, 12, 5, 60, 150, 230, 255, 190]);

  it('clamps each value into the range of its 2 × 2 input pixels, and leaves values inside it as drawn', () => {
    expect(greys(antiRing(input, output, 1))).toEqual([10, 10, 10, 60, 150, 200, 200, 200]);
  });

  it('moves values a strength of the way to the clamp; 0 changes nothing', () => {
    expect(greys(antiRing(input, output, 0.5))).toEqual([5, 11, 8, 60, 150, 215, 228, 195]);
    expect(antiRing(input, output, 0)).toBe(output);
    expect(() => antiRing(input, output, 1.5)).toThrow(RangeError);
  });

  it('leaves transparent input pixels out of the range, and keeps alpha', () => {
    const holed = row([10, 200, 0], [255, 255, 0]);
    const up = row([0, 40, 100, 255, 255, 255], [255, 255, 255, 255, 0, 0]);
    const result = antiRing(holed, up, 1);
    // the transparent 0 does not widen the range of pixels 3–4; pixel 5 reads only the transparent pixel, so it is kept
    expect(greys(result)).toEqual([10, 40, 100, 200, 200, 255]);
    expect(Array.from({ length: 6 }, (_, i) => result.data[i * 4 + 3])).toEqual([255, 255, 255, 255, 0, 0]);
    const clear = row([50, 50], [0, 0]);
    expect(greys(antiRing(clear, row([0, 255, 0, 255]), 1))).toEqual([0, 255, 0, 255]); // nothing to clamp to
  });

  it('is applied by an upscaler whose model.json states antiRing, unless the call says otherwise', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tsdsr-antiring-')), 'toy');
    writeToyTsdsr(dir, { k: 0.5 }); // the decoded image is 1.5 × (2u − 1): contrast beyond the input's range
    const manifest = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ ...manifest, antiRing: 1 }));
    const image = { ...patternImage(20, 16), data: patternImage(20, 16).data.map((v, i) => (i % 4 === 3 ? 255 : v)) };
    const model = await openUpscaler(dir, 'cpu');
    const [clamped, raw] = [await model.upscale(image, { scale: 2 }), await model.upscale(image, { scale: 2, antiRing: 0 })];
    await model.dispose();
    const bounds = ranges(image, 40, 32);
    const outside = (out: RgbaImage): number => bounds.filter(({ low, high }, j) => {
      const v = out.data[Math.floor(j / 3) * 4 + (j % 3)]!;
      return v < low || v > high;
    }).length;
    expect(outside(raw)).toBeGreaterThan(200);
    expect(outside(clamped)).toBe(0);
    expect(clamped).toEqual(antiRing(image, raw, 1));
  });
});
