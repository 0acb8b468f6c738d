// `auto` model manifests: what parses, what is refused, and which model each image gets.
import { describe, expect, it } from 'vitest';
import { degradationNetShapes, type DegradationNet } from '../../models/runtime/degradation-net.ts';
import { chooseModel, chosenModelIds, GRAPHIC_FROM, GRAPHIC_TRANSPARENT_SHARE, graphicScore, isGraphic, ManifestError, parseAutoManifest, parseManifest, shippedGraphicNet, type RgbaImage } from '../../models/runtime/index.ts';
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
    [{ ...AUTO, choose: { ...AUTO.choose, blurry: 'x' } }, /optionally degradedGraphic and degradedFlat, not blurry/],
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

/** A graphic classifier that gives every cell the same logit: all weights 0, conv_out's bias `logit`. */
function constantNet(logit: number): DegradationNet {
  const widths = [8, 16, 32];
  const weights = new Map(degradationNetShapes(widths).map(([key, dims]) => {
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
    if (key === 'conv_out.bias') data.fill(logit);
    return [key, { dims, data }] as const;
  }));
  return { widths, negativeSlope: 0.2, weights };
}

describe('isGraphic', () => {
  const photoNet = constantNet(-5);
  const graphicNet = constantNet(5);

  it('counts an image as a graphic from the stated share of not fully opaque pixels', () => {
    const image = texture(100, 100, 5, 0.05);
    const needed = Math.ceil(GRAPHIC_TRANSPARENT_SHARE * 100 * 100);
    expect(isGraphic(image, photoNet)).toBe(false);
    expect(isGraphic(withTransparent(image, needed - 1), photoNet)).toBe(false);
    expect(isGraphic(withTransparent(image, needed), photoNet)).toBe(true);
    const halfOpaque = { ...image, data: image.data.map((v, p) => ((p & 3) === 3 ? 200 : v)) };
    expect(isGraphic(halfOpaque, photoNet)).toBe(true);
  });

  it('counts an opaque image as a graphic when the classifier scores it from GRAPHIC_FROM', () => {
    const image = texture(100, 100, 5, 0.05);
    expect(graphicScore(image, graphicNet)).toBeCloseTo(1 / (1 + Math.exp(-5)), 6);
    expect(isGraphic(image, graphicNet)).toBe(true);
    const justUnder = constantNet(Math.log(GRAPHIC_FROM / (1 - GRAPHIC_FROM)) - 1e-3);
    expect(isGraphic(image, justUnder)).toBe(false);
    // an image too small for one of the classifier's cells is not a graphic by it
    expect(graphicScore(texture(20, 20, 5, 0.05), graphicNet)).toBeNull();
    expect(isGraphic(texture(20, 20, 5, 0.05), graphicNet)).toBe(false);
  });

  it('ships a classifier that tells rendered text from a photograph-like texture', () => {
    const net = shippedGraphicNet();
    expect(net.widths).toEqual([8, 16, 32]);
    // a noisy multi-scale texture reads as a photograph; black strokes on a flat light ground as a graphic
    const photo = texture(192, 192, 7, 0.05);
    const strokes = texture(192, 192, 1, 0);
    for (let y = 0; y < 192; y++) {
      for (let x = 0; x < 192; x++) {
        const ink = (y % 24 > 6 && y % 24 < 18 && (x % 12 < 3 || (y % 24 === 11 && x % 36 < 20)));
        const p = 4 * (y * 192 + x);
        strokes.data.fill(ink ? 30 : 240, p, p + 3);
        strokes.data[p + 3] = 255;
      }
    }
    expect(graphicScore(strokes)!).toBeGreaterThan(graphicScore(photo)!);
  });
});

describe('chooseModel with a model for degraded graphics', () => {
  it('runs it on degraded graphics only', () => {
    const manifest = parseAutoManifest({ ...AUTO, choose: { ...AUTO.choose, degradedGraphic: 'my-graphics' } });
    const [photoNet, graphicNet] = [constantNet(-5), constantNet(5)];
    const image = texture(96, 96, 5, 0.05);
    const icon = withTransparent(image, 96 * 20);
    expect(chooseModel(manifest, icon, photoNet)).toMatchObject({ model: 'tsdsr-fast', degradation: 'clean' });
    expect(chooseModel(manifest, noisy(icon, 25), photoNet)).toMatchObject({ model: 'my-graphics', degradation: 'degraded' });
    expect(chooseModel(manifest, noisy(image, 25), photoNet)).toMatchObject({ model: 'tsdsr-fast-real', degradation: 'degraded' });
    // an opaque image the classifier calls a graphic: the graphics model when degraded, the clean one when clean
    expect(chooseModel(manifest, noisy(image, 25), graphicNet)).toMatchObject({ model: 'my-graphics', degradation: 'degraded' });
    expect(chooseModel(manifest, image, graphicNet)).toMatchObject({ model: 'tsdsr-fast', degradation: 'clean' });
    // without the key, a degraded graphic runs the degraded model as before
    expect(chooseModel(parseAutoManifest(AUTO), noisy(icon, 25), graphicNet)).toMatchObject({ model: 'tsdsr-fast-real' });
  });
});

describe('degradedGraphicFrom', () => {
  it('is degradedFrom unless stated, at most degradedFrom, and only with a model for degraded graphics', () => {
    const withGraphics = { ...AUTO, choose: { ...AUTO.choose, degradedGraphic: 'my-graphics' }, degradedFrom: 0.6 };
    expect(parseAutoManifest(withGraphics).degradedGraphicFrom).toBe(0.6);
    expect(parseAutoManifest({ ...withGraphics, degradedGraphicFrom: 0.35 }).degradedGraphicFrom).toBe(0.35);
    expect(() => parseAutoManifest({ ...withGraphics, degradedGraphicFrom: 0.7 })).toThrow(/degradedGraphicFrom must be a number above 0 and at most degradedFrom \(0.6\)/);
    expect(() => parseAutoManifest({ ...withGraphics, degradedGraphicFrom: 0 })).toThrow(/degradedGraphicFrom must be/);
    expect(() => parseAutoManifest({ ...AUTO, degradedGraphicFrom: 0.3 })).toThrow(/degradedGraphicFrom needs choose.degradedGraphic/);
  });

  it('sends a graphic scoring between it and degradedFrom to the graphics model, and a photograph scoring the same to the clean one', () => {
    const [photoNet, graphicNet] = [constantNet(-5), constantNet(5)];
    const image = texture(96, 96, 5, 0.05);
    const icon = withTransparent(image, 96 * 20);
    const score = (im: RgbaImage): number => chooseModel(parseAutoManifest(AUTO), im, photoNet).score;
    // a noise level the estimate scores in the middle, so that thresholds fit on both sides of its score
    const amplitude = [2, 3, 4, 5, 6, 8, 10, 12, 15, 20].find((a) => [icon, image].every((im) => score(noisy(im, a)) > 0.1 && score(noisy(im, a)) < 0.9));
    expect(amplitude).toBeDefined();
    for (const [im, net] of [[icon, photoNet], [image, graphicNet]] as const) {
      const s = score(noisy(im, amplitude!));
      const manifest = parseAutoManifest({ ...AUTO, choose: { ...AUTO.choose, degradedGraphic: 'my-graphics' }, degradedFrom: s + 0.05, degradedGraphicFrom: s - 0.05 });
      expect(chooseModel(manifest, noisy(im, amplitude!), net)).toMatchObject({ model: 'my-graphics', degradation: 'degraded' });
      // a photograph of the same score is clean, and so is this graphic without degradedGraphicFrom
      if (im === image) expect(chooseModel(manifest, noisy(im, amplitude!), photoNet)).toMatchObject({ model: 'tsdsr-fast', degradation: 'clean' });
      const plain = parseAutoManifest({ ...AUTO, choose: { ...AUTO.choose, degradedGraphic: 'my-graphics' }, degradedFrom: s + 0.05 });
      expect(chooseModel(plain, noisy(im, amplitude!), net)).toMatchObject({ model: 'tsdsr-fast', degradation: 'clean' });
    }
  });
});
