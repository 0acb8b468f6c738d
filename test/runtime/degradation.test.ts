// The degradation estimate the `auto` model kind chooses by: clean textures stay clean, JPEG q30 and noise σ 10 do
// not, a blurred textured picture with edges does not either (a blurred flat graphic or soft texture does), transparent
// pixels are not read, and images too small to tell are clean.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { estimateDegradation, MIN_ESTIMATE_PIXELS, type RgbaImage } from '../../models/runtime/index.ts';
import { blurScore, degradationScore, LEARNED_EVIDENCE, learnedScore } from '../../models/runtime/degradation.ts';
import { makeLr } from '../../bench/quality.ts';
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

/** The image through a Gaussian blur of `sigma` px (sharp), as a soft lens or an earlier upscale leaves a picture. */
async function blurred(image: RgbaImage, sigma: number): Promise<RgbaImage> {
  const { data } = await sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 4 } }).blur(sigma).raw().toBuffer({ resolveWithObject: true });
  return { width: image.width, height: image.height, data: new Uint8Array(data) };
}

/** 60 seeded opaque discs of random colours on grey (librsvg), a flat graphic with strong edges. */
async function discs(size: number, seed: number): Promise<RgbaImage> {
  let s = seed;
  const random = (): number => (s = (s * 16807) % 2147483647) / 2147483647;
  const byte = (): number => Math.floor(random() * 255);
  const circles = Array.from({ length: 60 }, () => `<circle cx="${random() * size}" cy="${random() * size}" r="${4 + (random() * size) / 8}" fill="rgb(${byte()},${byte()},${byte()})"/>`);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><rect width="100%" height="100%" fill="#777"/>${circles.join('')}</svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

/** A photo-like scene: the discs with a texture over them, so edges and fine texture everywhere. */
async function scene(size: number, seed: number): Promise<RgbaImage> {
  const [shapes, grain] = [await discs(size, seed), texture(size, size, seed, 0.15)];
  return { ...shapes, data: shapes.data.map((v, p) => ((p & 3) === 3 ? v : Math.max(0, Math.min(255, Math.round(v + 1.2 * (grain.data[p]! - 128)))))) };
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
      // the logistic model alone separates them widely; the learned score reads these synthetic waves as mid-range
      // (0.4–0.45 after its shift), so the combined score's margin is smaller
      expect(degradationScore(compressed.features)).toBeGreaterThan(degradationScore(original.features) + 0.4);
      expect(degradationScore(noisy.features)).toBeGreaterThan(degradationScore(original.features) + 0.4);
      expect(compressed.score).toBeGreaterThan(original.score + 0.2);
      expect(noisy.score).toBeGreaterThan(original.score + 0.2);
      expect(compressed.features.blockiness).toBeGreaterThan(5 * original.features.blockiness);
      expect(noisy.features.noiseSigma).toBeGreaterThan(2 * original.features.noiseSigma);
    }
  });

  it('calls a blurred photo-like scene degraded by its blur score, and the same scene sharp, or blurred flat discs, clean', async () => {
    for (const seed of [1, 2, 3]) {
      const sharpScene = await scene(128, seed);
      const [original, soft] = [estimateDegradation(sharpScene), estimateDegradation(await blurred(sharpScene, 1.5))];
      expect(original.degradation).toBe('clean');
      expect(blurScore(original.features)).toBeLessThan(0.01);
      expect(soft.degradation).toBe('degraded');
      // The blur score decides it: the logistic model alone calls the blurred scene clean (no blocks, no noise).
      expect(degradationScore(soft.features)).toBeLessThan(0.5);
      expect(blurScore(soft.features)).toBeGreaterThanOrEqual(0.5);
      expect(soft.score).toBe(Math.max(blurScore(soft.features), learnedScore(soft.features)));
      expect(soft.features.detail).toBeLessThan(original.features.detail / 4);
      // Flat graphics fail the flat-share gate, soft textures the edge-strength gate: blurred, they stay clean.
      const flat = estimateDegradation(await blurred(await discs(128, seed), 1.5));
      expect(flat.features.flatShare).toBeGreaterThan(0.5);
      expect(flat.degradation).toBe('clean');
      const soft2 = estimateDegradation(await blurred(texture(128, 128, seed, 0.3), 1.5));
      expect(soft2.features.edgeStrength).toBeLessThan(12);
      expect(soft2.degradation).toBe('clean');
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

  it('reads Real-ESRGAN\'s degradation of a photo-like scene with its learned score, and the clean scene as clean', async () => {
    for (const seed of [1, 2, 3]) {
      const hr = await scene(512, seed);
      const [clean, degraded] = [estimateDegradation(await makeLr(hr, 'bicubic', seed)), estimateDegradation(await makeLr(hr, 'realesrgan', seed))];
      expect(clean.features.learned).toBeLessThan(0.35);
      expect(degraded.features.learned!).toBeGreaterThan(clean.features.learned! + 0.45);
      expect(clean.degradation).toBe('clean');
    }
  }, 30_000);

  it('shifts the learned score so the net\'s own 0.9 lands on 0.6, and counts it as 0 when the net read no patch', () => {
    const features = estimateDegradation(texture(96, 96, 1, 0.05)).features;
    expect(LEARNED_EVIDENCE.logitShift).toBeGreaterThan(0);
    expect(learnedScore({ ...features, learned: 0.9 })).toBeCloseTo(0.6, 10);
    expect(learnedScore({ ...features, learned: 0.5 })).toBeLessThan(0.2);
    expect(learnedScore({ ...features, learned: null })).toBe(0);
    expect(estimateDegradation(texture(30, 200, 1, 0.05)).features.learned).toBeNull();
  });

  it('takes the threshold it is given', () => {
    const image = withNoise(clean[1]!, 10);
    const { score } = estimateDegradation(image);
    expect(estimateDegradation(image, score + 1e-6).degradation).toBe('clean');
    expect(estimateDegradation(image, score).degradation).toBe('degraded');
  });
});
