import { describe, expect, it } from 'vitest';
import { openUpscalerJs } from '../../bench/upscalerjs.ts';
import { syntheticImage } from '../../bench/synthetic-image.ts';

describe('UpscalerJS adapter (esrgan-slim on tfjs wasm)', () => {
  it('upscales a 16×16 image to 64×64 with sane values', async () => {
    const model = await openUpscalerJs('esrgan-slim');
    const input = syntheticImage(16, false);
    const out = await model.upscale(input);
    model.dispose();
    expect([out.width, out.height]).toEqual([64, 64]);
    let [sum, min, max] = [0, 255, 0];
    for (let i = 0; i < out.data.length; i += 4) {
      for (let c = 0; c < 3; c++) {
        const v = out.data[i + c]!;
        [sum, min, max] = [sum + v, Math.min(min, v), Math.max(max, v)];
      }
      expect(out.data[i + 3]).toBe(255);
    }
    let inSum = 0;
    for (let i = 0; i < input.data.length; i += 4) inSum += input.data[i]! + input.data[i + 1]! + input.data[i + 2]!;
    // not blank, not saturated, and the mean colour follows the input's (±10 levels)
    expect(max - min).toBeGreaterThan(100);
    expect(Math.abs(sum / (64 * 64) - inSum / (16 * 16)) / 3).toBeLessThan(10);
  }, 30_000);
});
