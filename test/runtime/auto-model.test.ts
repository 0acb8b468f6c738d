// `auto` model manifests: what parses, what is refused, and which model each image gets.
import { describe, expect, it } from 'vitest';
import { chooseModel, chosenModelIds, GRAPHIC_TRANSPARENT_SHARE, isGraphic, ManifestError, parseAutoManifest, parseManifest, type RgbaImage } from '../../models/runtime/index.ts';
import { texture } from '../helpers/textures.ts';

const AUTO = { id: 'my-auto', name: 'Mine', kind: 'auto', choose: { clean: 'tsdsr-fast', degraded: 'tsdsr-fast-real' }, license: 'MIT' };

/** The image with seeded uniform noise of ±`amplitude` levels on each colour channel. */
function noisy(image: RgbaImage, amplitude: number): RgbaImage {
  let s = 11;
  const data = image.data.map((v, p) => ((p & 3) === 3 ? v : Math.max(0, Math.min(255, Math.round(v + amplitude * (2 * ((s = (s * 16807) % 2147483647) / 2147483647) - 1))))));
  return { ...image, data };
}

describe('parseAutoManifest', () => {
  it('reads the two models and the default threshold', () => {
    expect(parseAutoManifest(AUTO)).toMatchObject({ id: 'my-auto', kind: 'auto', choose: AUTO.choose, degradedFrom: 0.5, description: '' });
    expect(parseAutoManifest({ ...AUTO, degradedFrom: 0.7 }).degradedFrom).toBe(0.7);
  });

  it.each([
    [{ ...AUTO, choose: undefined }, /choose missing/],
    [{ ...AUTO, choose: { clean: 'tsdsr-fast' } }, /choose.degraded must be a model id/],
    [{ ...AUTO, choose: { ...AUTO.choose, blurry: 'x' } }, /optionally degradedGraphic, not blurry/],
    [{ ...AUTO, choose: { clean: 'my-auto', degraded: 'x' } }, /cannot choose itself/],
    [{ ...AUTO, choose: { ...AUTO.choose, degradedGraphic: 'my-auto' } }, /cannot choose itself/],
    [{ ...AUTO, choose: { ...AUTO.choose, degradedGraphic: 7 } }, /choose.degradedGraphic must be a model id/],
    [{ ...AUTO, degradedFrom: 1 }, /degradedFrom/],
    [{ ...AUTO, id: 'Upper' }, /id must be/],
  ])('refuses %j', (json, reason) => {
    expect(() => parseAutoManifest(json)).toThrow(reason);
    expect(() => parseAutoManifest(json)).toThrow(ManifestError);
  });

  it('reads an optional model for degraded graphics', () => {
    const manifest = parseAutoManifest({ ...AUTO, choose: { ...AUTO.choose, degradedGraphic: 'my-graphics' } });
    expect(manifest.choose).toEqual({ ...AUTO.choose, degradedGraphic: 'my-graphics' });
    expect(chosenModelIds(manifest)).toEqual(['tsdsr-fast', 'tsdsr-fast-real', 'my-graphics']);
    expect(chosenModelIds(parseAutoManifest(AUTO))).toEqual(['tsdsr-fast', 'tsdsr-fast-real']);
  });

  it('is refused by parseManifest with a pointer to what to do instead', () => {
    expect(() => parseManifest(AUTO)).toThrow(/auto model has no graphs of its own/);
  });
});

describe('chooseModel', () => {
  it('picks the clean model for a clean image and the degraded one for a noisy one, with the score', () => {
    const manifest = parseAutoManifest(AUTO);
    const image = texture(96, 96, 5, 0.05);
    const clean = chooseModel(manifest, image);
    const degraded = chooseModel(manifest, noisy(image, 25));
    expect(clean).toMatchObject({ model: 'tsdsr-fast', degradation: 'clean' });
    expect(degraded).toMatchObject({ model: 'tsdsr-fast-real', degradation: 'degraded' });
    expect(degraded.score).toBeGreaterThan(clean.score);
    expect(chooseModel({ ...manifest, degradedFrom: 0.999999 }, noisy(image, 25)).model).toBe('tsdsr-fast');
  });
});

/** The image with the first `count` pixels (row by row) made fully transparent. */
function withTransparent(image: RgbaImage, count: number): RgbaImage {
  const data = Uint8Array.from(image.data);
  for (let p = 0; p < count; p++) data[4 * p + 3] = 0;
  return { ...image, data };
}

describe('isGraphic', () => {
  it('counts an image as a graphic from the stated share of not fully opaque pixels', () => {
    const image = texture(100, 100, 5, 0.05);
    const needed = Math.ceil(GRAPHIC_TRANSPARENT_SHARE * 100 * 100);
    expect(isGraphic(image)).toBe(false);
    expect(isGraphic(withTransparent(image, needed - 1))).toBe(false);
    expect(isGraphic(withTransparent(image, needed))).toBe(true);
    const halfOpaque = { ...image, data: image.data.map((v, p) => ((p & 3) === 3 ? 200 : v)) };
    expect(isGraphic(halfOpaque)).toBe(true);
  });
});

describe('chooseModel with a model for degraded graphics', () => {
  it('runs it on degraded images with transparency only', () => {
    const manifest = parseAutoManifest({ ...AUTO, choose: { ...AUTO.choose, degradedGraphic: 'my-graphics' } });
    const image = texture(96, 96, 5, 0.05);
    const icon = withTransparent(image, 96 * 20);
    expect(chooseModel(manifest, icon)).toMatchObject({ model: 'tsdsr-fast', degradation: 'clean' });
    expect(chooseModel(manifest, noisy(icon, 25))).toMatchObject({ model: 'my-graphics', degradation: 'degraded' });
    expect(chooseModel(manifest, noisy(image, 25))).toMatchObject({ model: 'tsdsr-fast-real', degradation: 'degraded' });
    // without the key, a degraded graphic runs the degraded model as before
    expect(chooseModel(parseAutoManifest(AUTO), noisy(icon, 25))).toMatchObject({ model: 'tsdsr-fast-real' });
  });
});
