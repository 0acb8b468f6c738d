import { describe, expect, it } from 'vitest';
import { cubicTaps } from '../../models/runtime/resize.ts';
import { maxAbsDiff } from '../graph/helpers.ts';
import { UpsampledImage } from '../../models/runtime/upsample-window.ts';
import { patternImage } from '../helpers/images.ts';
import { createRgbaImage, type RgbaImage } from '../../models/runtime/image.ts';

/** The whole-image computation the windowed one replaces: every source row resampled, then the window read. */
function fullWindow(source: RgbaImage, width: number, height: number, cubicA: number, x0: number, y0: number, w: number, h: number, range: readonly [number, number]): Float32Array {
  const tx = cubicTaps(source.width, width, cubicA);
  const ty = cubicTaps(source.height, height, cubicA);
  const rows = new Float32Array(3 * source.height * width);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < source.height; y++) {
      for (let x = 0; x < width; x++) {
        let v = 0;
        for (let t = 0; t < 4; t++) v += tx.weight[x * 4 + t]! * source.data[(y * source.width + tx.index[x * 4 + t]!) * 4 + c]!;
        rows[(c * source.height + y) * width + x] = v;
      }
    }
  }
  const [lo, hi] = range;
  const out = new Float32Array(3 * h * w);
  for (let c = 0; c < 3; c++) {
    for (let j = 0; j < h; j++) {
      const y = Math.min(Math.max(y0 + j, 0), height - 1);
      for (let i = 0; i < w; i++) {
        const x = Math.min(Math.max(x0 + i, 0), width - 1);
        let v = 0;
        for (let t = 0; t < 4; t++) v += ty.weight[y * 4 + t]! * rows[(c * source.height + ty.index[y * 4 + t]!) * width + x]!;
        out[(c * h + j) * w + i] = Math.min(hi, Math.max(lo, lo + (v * (hi - lo)) / 255));
      }
    }
  }
  return out;
}

describe('UpsampledImage', () => {
  const source = patternImage(13, 11);
  const upsampled = new UpsampledImage(source, 52, 44, -0.75);

  it('reads windows equal to resampling the whole image, edge padding included', () => {
    const windows: [number, number, number, number, readonly [number, number]][] = [
      [0, 0, 52, 44, [0, 1]],
      [8, 12, 16, 16, [-1, 1]],
      [40, 36, 16, 12, [0, 1]], // runs past the right and bottom edges
      [51, 0, 3, 44, [-1, 1]],
      [-6, -5, 16, 12, [0, 1]], // runs past the left and top edges
      [-9, -7, 70, 60, [-1, 1]], // past every edge
    ];
    for (const [x0, y0, w, h, range] of windows) {
      const expected = fullWindow(source, 52, 44, -0.75, x0, y0, w, h, range);
      const ours = upsampled.window(x0, y0, w, h, range);
      let max = 0;
      for (let i = 0; i < ours.length; i++) max = Math.max(max, Math.abs(ours[i]! - expected[i]!));
      expect(max).toBeLessThan(1e-5);
    }
  });

  it('repeats the edge rows and columns before the left and top edges', () => {
    const [x0, y0, w, h] = [-5, -4, 12, 10];
    const ours = upsampled.window(x0, y0, w, h);
    for (let c = 0; c < 3; c++) {
      for (let j = 0; j < h; j++) {
        for (let i = 0; i < w; i++) {
          const edge = upsampled.window(Math.max(x0 + i, 0), Math.max(y0 + j, 0), 1, 1); // the nearest pixel inside
          expect(ours[(c * h + j) * w + i]).toBe(edge[c]);
        }
      }
    }
  });

  it('writes a window into a given buffer at an offset', () => {
    const out = new Float32Array(10 + 3 * 8 * 8).fill(-7);
    upsampled.window(20, 4, 8, 8, [-1, 1], out, 10);
    expect(Array.from(out.subarray(0, 10))).toEqual(new Array(10).fill(-7));
    expect(Array.from(out.subarray(10))).toEqual(Array.from(upsampled.window(20, 4, 8, 8, [-1, 1])));
  });
});

describe('UpsampledImage, premultiplied (images with transparency)', () => {
  /** A 6×6 opaque orange square whose right column is nearly transparent with a garbage colour (as 8-bit PNGs store it). */
  function edgeImage(): RgbaImage {
    const image = createRgbaImage(6, 6);
    for (let i = 0; i < 36; i++) {
      const garbage = i % 6 === 5;
      image.data.set(garbage ? [0, 0, 255, 3] : [230, 120, 20, 255], i * 4);
    }
    return image;
  }

  it('keeps the edge its own colour: the garbage colour of a nearly transparent pixel counts by its alpha', () => {
    const plain = new UpsampledImage(edgeImage(), 24, 24, -0.75).window(0, 0, 24, 24);
    const premultiplied = new UpsampledImage(edgeImage(), 24, 24, -0.75, true).window(0, 0, 24, 24);
    const blueAt = (planes: Float32Array, x: number, y: number): number => planes[2 * 576 + y * 24 + x]! * 255;
    expect(blueAt(plain, 18, 12)).toBeGreaterThan(35); // the stored blue bleeds into the orange two pixels in
    expect(Math.abs(blueAt(premultiplied, 18, 12) - 20)).toBeLessThan(1.5);
  });

  it('equals the plain upsample on an opaque image', () => {
    const image = createRgbaImage(7, 5);
    for (let i = 0; i < image.data.length; i++) image.data[i] = i % 4 === 3 ? 255 : (i * 53) % 256;
    const plain = new UpsampledImage(image, 20, 13, -0.75).window(-2, 3, 15, 9, [-1, 1]);
    const premultiplied = new UpsampledImage(image, 20, 13, -0.75, true).window(-2, 3, 15, 9, [-1, 1]);
    expect(maxAbsDiff(premultiplied, plain)).toBeLessThan(1e-5);
  });
});
