// GIF fills: the bridge cannot read GIF, so the main thread decodes the GIF's first frame (pure TypeScript, no DOM in
// Figma's sandbox) and sends it as PNG at the GIF's own size: the row's "200×200 → 400×400" is what runs.
import type { ImagePaint } from '@figma/plugin-typings/plugin-api-standalone.js';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeGifFirstFrame, isGif } from '../../plugin/src/gif.ts';
import { encodePng } from '../../plugin/src/png-encode.ts';
import { imageOf } from './canvas.ts';
import { runAll, startTestPlugin } from './scene.ts';

/** RGBA pixels: a colour pattern with a transparent left edge; `frames` frames stacked, each tinted differently. */
function pattern(width: number, height: number, frames = 1): Buffer {
  const data = Buffer.alloc(width * height * frames * 4);
  for (let f = 0; f < frames; f++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        data.set([(x * 7 + f * 90) % 256, (y * 11) % 256, ((x + y) * 5) % 256, x < 3 ? 0 : 255], ((f * height + y) * width + x) * 4);
      }
    }
  }
  return data;
}

async function gifOf(width: number, height: number, options: { frames?: number; progressive?: boolean } = {}): Promise<Uint8Array> {
  const frames = options.frames ?? 1;
  const raw = { width, height: height * frames, channels: 4 as const, ...(frames > 1 ? { pageHeight: height } : {}) };
  return new Uint8Array(await sharp(pattern(width, height, frames), { raw }).gif({ progressive: options.progressive ?? false }).toBuffer());
}

/** The first frame as sharp decodes it, RGBA. */
async function sharpFirstFrame(gif: Uint8Array): Promise<Buffer> {
  return sharp(gif, { pages: 1 }).ensureAlpha().raw().toBuffer();
}

describe('the GIF decoder', () => {
  for (const [label, options] of [['plain', {}], ['interlaced', { progressive: true }], ['animated (first frame)', { frames: 3 }]] as const) {
    it(`decodes a ${label} GIF exactly as sharp does, transparency included`, async () => {
      const gif = await gifOf(37, 23, options);
      expect(isGif(gif)).toBe(true);
      const frame = decodeGifFirstFrame(gif);
      expect([frame.width, frame.height]).toEqual([37, 23]);
      expect(Buffer.from(frame.data).equals(await sharpFirstFrame(gif))).toBe(true);
    });
  }

  it('writes PNGs any reader accepts, in pieces of 64 KiB', async () => {
    const frame = decodeGifFirstFrame(await gifOf(200, 120));
    const { data, info } = await sharp(encodePng(frame)).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([200, 120, 4]);
    expect(Buffer.from(frame.data).equals(data)).toBe(true);
  });

  it('refuses what is not a GIF, and a GIF cut short', async () => {
    expect(() => decodeGifFirstFrame(new Uint8Array([1, 2, 3]))).toThrow(/not a GIF/);
    const cut = (await gifOf(10, 10)).subarray(0, 20);
    expect(() => decodeGifFirstFrame(cut)).toThrow(/ends too early/);
  });
});

describe('a GIF fill', () => {
  it('sends its first frame at its own size, as the row said, and swaps the fill for the upscaled frame', async () => {
    const p = startTestPlugin();
    const gif = await gifOf(200, 200, { frames: 2 });
    const hash = 'gif-hash';
    p.host.images.set(hash, { bytes: gif, width: 200, height: 200 });
    const fill: ImagePaint = { type: 'IMAGE', scaleMode: 'CROP', imageHash: hash, imageTransform: [[0.5, 0, 0], [0, 0.5, 0]] };
    const layer = p.host.add('RECTANGLE', { name: 'Loader', width: 100, height: 60, fills: [fill] });
    p.host.select(layer);
    const { selection } = await p.next('selection');
    expect(selection.layers[0]).toMatchObject({ source: 'image', widthPx: 200, heightPx: 200 });
    const { sources, outcomes } = await runAll(p, { scale: 2, placement: 'in-place' });
    expect(sources[0]).toMatchObject({ width: 200, height: 200 });
    const sent = await sharp(sources[0]!.bytes).raw().toBuffer();
    expect(sent.equals(await sharpFirstFrame(gif))).toBe(true);
    expect(outcomes[0]).toMatchObject({ type: 'layer-placed', nodeId: layer.id });
    expect(imageOf(p, layer).paint).toMatchObject({ scaleMode: 'CROP', imageTransform: fill.imageTransform });
    expect(imageOf(p, layer).stored).toMatchObject({ width: 400, height: 400 });
  });
});
