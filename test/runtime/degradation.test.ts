// The degradation estimate the `auto` model kind chooses by: clean textures stay clean, JPEG q30 and noise σ 10 do
// not, transparent pixels are not read, and images too small to tell are clean.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { estimateDegradation, MIN_ESTIMATE_PIXELS, type RgbaImage } from '../../models/runtime/index.ts';
import { texture } from '../helpers/textures.ts';

/** The image through a JPEG encoder at `quality` and back (opaque). */
async function jpeg(image: RgbaImage, quality: number): Promise<RgbaImage> {
  const { width, height } = image;
  const bytes = await sharp(Buffer.from(image.data), { raw: { width, height, channels: 4 } }).removeAlpha().jpeg({ quality }).toBuffer();
  const { data } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width, height, data: new Uint8Array(data) };
}

/** The image with seeded Gaussian noise of `sigma` levels on each colour channel; alpha kept. */
function withNoise(image: RgbaImage, sigma: number, seed = 7): RgbaImage {
  let s = seed;
  const uniform = (): number => (s = (s * 16807) % 2147483647) / 2147483647;
  const data = image.data.slice();
  for (let p = 0; p < data.length; p++) {
    if ((p & 3) === 3) continue;
    const gaussian = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    data[p] = Math.max(0, Math.min(255, Math.round(data[p]! + sigma * gaussian)));
  }
  return { ...image, data };
}

/** `left` and `right` side by side. */
function sideBySide(left: RgbaImage, right: RgbaImage): RgbaImage {
  const width = left.width + right.width;
  const data = new Uint8Array(width * left.height * 4);
  for (let y = 0; y < left.height; y++) {
    data.set(left.data.subarray(y * left.width * 4, (y + 1) * left.width * 4), y * width * 4);
    data.set(right.data.subarray(y * right.width * 4, (y + 1) * right.width * 4), (y * width + left.width) * 4);
  }
  return { width, height: left.height, data };
}

const withAlpha = (image: RgbaImage, alpha: number): RgbaImage => ({ ...image, data: image.data.map((v, p) => ((p & 3) === 3 ? alpha : v)) });

describe('estimateDegradation', () => {
  const clean = [1, 2, 3].map((seed) => texture(128, 128, seed, 0.05));

  it('calls clean textures clean, and the same textures JPEG-compressed at q30 or with noise σ 10 degraded', async () => {
    for (const image of clean) {
      const [original, compressed, noisy] = [estimateDegradation(image), estimateDegradation(await jpeg(image, 30)), estimateDegradation(withNoise(image, 10))];
      expect(original.degradation).toBe('clean');
      expect(compressed.degradation).toBe('degraded');
      expect(noisy.degradation).toBe('degraded');
      expect(compressed.score).toBeGreaterThan(original.score + 0.4);
      expect(noisy.score).toBeGreaterThan(original.score + 0.4);
      expect(compressed.features.blockiness).toBeGreaterThan(5 * original.features.blockiness);
      expect(noisy.features.noiseSigma).toBeGreaterThan(2 * original.features.noiseSigma);
    }
  });

  it('reads only opaque pixels: noise under transparent pixels changes nothing, the same noise opaque does', () => {
    const image = clean[0]!;
    const garbage = withNoise(texture(128, 128, 9, 0.05), 40);
    const hidden = estimateDegradation(sideBySide(image, withAlpha(garbage, 0)));
    const shown = estimateDegradation(sideBySide(image, garbage));
    expect(hidden.degradation).toBe('clean');
    expect(hidden.features.noiseSigma).toBeCloseTo(estimateDegradation(image).features.noiseSigma, 0);
    expect(shown.degradation).toBe('degraded');
    expect(shown.score).toBeGreaterThan(hidden.score + 0.4);
  });

  it('calls images with too few opaque pixels clean with score 0, however noisy', () => {
    const noisy = withNoise(texture(128, 128, 4, 0.05), 30);
    expect(estimateDegradation(withNoise(texture(24, 24, 4, 0.05), 30))).toMatchObject({ degradation: 'clean', score: 0 });
    expect(estimateDegradation(withAlpha(noisy, 0))).toMatchObject({ degradation: 'clean', score: 0, pixels: 0 });
    expect(estimateDegradation(withAlpha(noisy, 128))).toMatchObject({ degradation: 'clean', score: 0 });
    expect(estimateDegradation(noisy).pixels).toBeGreaterThanOrEqual(MIN_ESTIMATE_PIXELS);
    expect(estimateDegradation(noisy).degradation).toBe('degraded');
  });

  it('takes the threshold it is given', () => {
    const image = withNoise(clean[1]!, 10);
    const { score } = estimateDegradation(image);
    expect(estimateDegradation(image, score + 1e-6).degradation).toBe('clean');
    expect(estimateDegradation(image, score).degradation).toBe('degraded');
  });
});
