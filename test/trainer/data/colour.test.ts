import { describe, expect, it } from 'vitest';
import {
  addGaussianNoise, addPoissonNoise, allStagesOff, createImage, degradationConfig, degradeRealEsrgan, jpegRoundTrip, PASS_OFF,
  resizeImage, Rng, type PlanarImage, type ResizeMode,
} from '../../../trainer/src/data/index.ts';

/** A width × height image of one 8-bit RGB colour. */
function flat(width: number, height: number, rgb: readonly [number, number, number]): PlanarImage {
  const image = createImage(width, height, 3);
  const plane = width * height;
  for (let c = 0; c < 3; c++) image.data.fill(rgb[c]! / 255, c * plane, (c + 1) * plane);
  return image;
}

/** Per-channel means in 8-bit levels. */
function channelMeans(image: PlanarImage): number[] {
  const plane = image.width * image.height;
  return [0, 1, 2].map((c) => (255 * image.data.subarray(c * plane, (c + 1) * plane).reduce((a, b) => a + b, 0)) / plane);
}

const RED: [number, number, number] = [220, 30, 40];
const BLUE: [number, number, number] = [30, 60, 220];

describe('degradation colour', () => {
  it('every resize keeps a flat colour exactly (weights sum to 1), up and down, with or without antialias', () => {
    const image = flat(37, 29, RED);
    for (const mode of ['area', 'bilinear', 'bicubic'] as ResizeMode[]) {
      for (const [w, h] of [[11, 8], [64, 50], [37, 13]]) {
        for (const antialias of [false, true]) {
          const means = channelMeans(resizeImage(image, w!, h!, mode, antialias));
          means.forEach((m, c) => expect(m, `${mode} ${w}x${h} aa=${antialias}`).toBeCloseTo(RED[c]!, 3));
        }
      }
    }
  });

  it('Gaussian and Poisson noise are zero-mean where nothing clips', () => {
    // 3 × 128² values at level 128: the mean of n draws has standard error σ/√n; allow 5 of them.
    const n = 3 * 128 * 128;
    const gaussian = flat(128, 128, [128, 128, 128]);
    addGaussianNoise(gaussian, new Rng(1), 10, false);
    const poisson = flat(128, 128, [128, 128, 128]);
    addPoissonNoise(poisson, new Rng(2), 1, false, 256);
    const gaussianMean = channelMeans(gaussian).reduce((a, b) => a + b) / 3;
    const poissonMean = channelMeans(poisson).reduce((a, b) => a + b) / 3;
    expect(Math.abs(gaussianMean - 128)).toBeLessThan((5 * 10) / Math.sqrt(n));
    expect(Math.abs(poissonMean - 128)).toBeLessThan((5 * 255 * Math.sqrt(128 / 255 / 256)) / Math.sqrt(n));
  });

  it('JPEG moves flat colours only by its DC quantisation step: a few levels at quality 30, either way; none at 95', async () => {
    const colours: [number, number, number][] = [RED, BLUE, [128, 128, 128], [40, 200, 90], [250, 220, 30]];
    let [up, down] = [0, 0];
    for (const rgb of colours) {
      for (const [quality, tolerance] of [[30, 4], [95, 1]] as const) {
        const means = channelMeans(await jpegRoundTrip(flat(32, 32, rgb), quality, '4:2:0'));
        means.forEach((m, c) => {
          expect(Math.abs(m - rgb[c]!), `${rgb} q${quality}`).toBeLessThan(tolerance + 0.01);
          if (m > rgb[c]! + 0.5) up++;
          if (m < rgb[c]! - 0.5) down++;
        });
      }
    }
    expect(up).toBeGreaterThan(0);
    expect(down).toBeGreaterThan(0);
  });

  it('Poisson noise keeps a flat colour within 1 level; BasicSR\'s count rule (one level → one count) moved it by tens', async () => {
    const poissonOnly = { ...allStagesOff('bicubic'), first: { ...PASS_OFF, noiseProb: 1, gaussianNoiseProb: 0 } };
    const shift = async (poissonMinCounts?: number): Promise<number> => {
      const config = degradationConfig(poissonMinCounts === undefined ? poissonOnly : { ...poissonOnly, poissonMinCounts });
      let worst = 0;
      for (const rgb of [RED, BLUE]) {
        const sum = [0, 0, 0];
        for (let seed = 0; seed < 8; seed++) channelMeans(await degradeRealEsrgan(flat(64, 64, rgb), seed, 2, config)).forEach((m, c) => (sum[c]! += m));
        worst = Math.max(worst, ...sum.map((s, c) => Math.abs(s / 8 - rgb[c]!)));
      }
      return worst;
    };
    expect(await shift()).toBeLessThan(1);
    expect(await shift(1)).toBeGreaterThan(20);
  });

  it('the full default degradation keeps a flat saturated colour within 3 levels on average', async () => {
    for (const rgb of [RED, BLUE]) {
      const sum = [0, 0, 0];
      for (let seed = 0; seed < 8; seed++) channelMeans(await degradeRealEsrgan(flat(128, 128, rgb), seed, 4)).forEach((m, c) => (sum[c]! += m));
      sum.forEach((s, c) => expect(Math.abs(s / 8 - rgb[c]!), `${rgb} channel ${c}`).toBeLessThan(3));
    }
  });
});
