// `auto` model manifests: what parses, what is refused, and which model each image gets.
import { describe, expect, it } from 'vitest';
import { chooseModel, ManifestError, parseAutoManifest, parseManifest, type RgbaImage } from '../../models/runtime/index.ts';
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
    [{ ...AUTO, choose: { ...AUTO.choose, blurry: 'x' } }, /exactly clean and degraded/],
    [{ ...AUTO, choose: { clean: 'my-auto', degraded: 'x' } }, /cannot choose itself/],
    [{ ...AUTO, degradedFrom: 1 }, /degradedFrom/],
    [{ ...AUTO, id: 'Upper' }, /id must be/],
  ])('refuses %j', (json, reason) => {
    expect(() => parseAutoManifest(json)).toThrow(reason);
    expect(() => parseAutoManifest(json)).toThrow(ManifestError);
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
