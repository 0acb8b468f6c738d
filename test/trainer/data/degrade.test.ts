import { describe, expect, it } from 'vitest';
import {
  allStagesOff, bicubicLr, degradationConfig, degradeRealEsrgan, jpegRoundTrip, PASS_OFF, quantize8InPlace, resizeImage,
  type PlanarImage,
} from '../../../trainer/src/data/index.ts';
import { texturePlanar } from '../../helpers/trainer-images.ts';

const hrImage = (size: number, variant = 0): PlanarImage => ({ width: size, height: size, channels: 3, data: texturePlanar(size, size, variant) });
const meanAbs = (a: Float32Array, b: Float32Array): number => a.reduce((s, v, i) => s + Math.abs(v - (b[i] as number)), 0) / a.length;

describe('Real-ESRGAN degradation', () => {
  const hr = hrImage(128);

  it('is deterministic for a seed, varies across seeds, and gives the LR size', async () => {
    const a = await degradeRealEsrgan(hr, 11, 4);
    const b = await degradeRealEsrgan(hr, 11, 4);
    const c = await degradeRealEsrgan(hr, 12, 4);
    expect([a.width, a.height, a.channels]).toEqual([32, 32, 3]);
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
    expect(meanAbs(a.data, c.data)).toBeGreaterThan(0);
    for (const v of a.data) expect(v >= 0 && v <= 1 && Math.abs(Math.round(v * 255) - v * 255) < 1e-4).toBe(true);
    const x2 = await degradeRealEsrgan(hr, 11, 2);
    expect([x2.width, x2.height]).toEqual([64, 64]);
  });

  it('with every stage off is exactly a bicubic resize (antialiased or not)', async () => {
    const plain = await degradeRealEsrgan(hr, 5, 4, degradationConfig(allStagesOff('bicubic')));
    expect(plain.data).toEqual(quantize8InPlace(resizeImage(hr, 32, 32, 'bicubic', false)).data);
    const aa = await degradeRealEsrgan(hr, 5, 4, degradationConfig({ ...allStagesOff('bicubic'), antialias: true }));
    expect(aa.data).toEqual(bicubicLr(hr, 4).data);
    expect(meanAbs(aa.data, plain.data)).toBeGreaterThan(0);
  });

  it('each stage can be switched on alone and changes the result', async () => {
    const off = allStagesOff('bicubic');
    const base = (await degradeRealEsrgan(hr, 3, 4, degradationConfig(off))).data;
    const variants = {
      usm: { ...off, usmSharpen: true },
      blur1: { ...off, first: { ...PASS_OFF, blur: { prob: 1, sincProb: 0 } } },
      noise1: { ...off, first: { ...PASS_OFF, noiseProb: 1 } },
      jpeg1: { ...off, first: { ...PASS_OFF, jpegProb: 1 } },
      resize1: { ...off, first: { ...PASS_OFF, resizeProbs: [0, 1, 0] as [number, number, number] } },
      finalSinc: { ...off, finalSincProb: 1 },
    };
    for (const [name, overrides] of Object.entries(variants)) {
      const out = await degradeRealEsrgan(hr, 3, 4, degradationConfig(overrides));
      expect(meanAbs(out.data, base), name).toBeGreaterThan(1e-4);
    }
  });

  it('the full default pipeline degrades substantially', async () => {
    const clean = bicubicLr(hr, 4).data;
    let total = 0;
    for (let seed = 0; seed < 4; seed++) total += meanAbs((await degradeRealEsrgan(hr, seed, 4)).data, clean);
    expect(total / 4).toBeGreaterThan(0.01);
  });
});

describe('JPEG stage', () => {
  it('really changes the image at low quality and nearly not at quality 100', async () => {
    const image = hrImage(64, 1);
    const low = await jpegRoundTrip(image, 30);
    const high = await jpegRoundTrip(image, 100, '4:4:4');
    expect(meanAbs(low.data, image.data)).toBeGreaterThan(0.01);
    expect(meanAbs(high.data, image.data)).toBeLessThan(0.004);
    expect(meanAbs(high.data, image.data)).toBeLessThan(meanAbs(low.data, image.data) / 5);
  });
});
