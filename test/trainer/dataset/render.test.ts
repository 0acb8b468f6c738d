// SVG rendering with sharp: longer side at the requested size, alpha kept, failures and empty renders rejected.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { hasTransparency, renderSvg } from '../../../trainer/src/dataset/render.ts';

const circle = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50"><circle cx="25" cy="25" r="20" fill="#f00"/></svg>');
const opaque = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="16" height="32" viewBox="0 0 16 32"><rect width="16" height="32" fill="#0a0"/></svg>');

describe('renderSvg', () => {
  it('renders the longer side at the requested size and keeps transparency', async () => {
    const out = await renderSvg(circle, 256);
    expect([out.width, out.height, out.hasAlpha]).toEqual([256, 128, true]);
    const meta = await sharp(out.data).metadata();
    expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['png', 256, 128, 4]);
    const { data } = await sharp(out.data).raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number): number[] => [...data.subarray((y * 256 + x) * 4, (y * 256 + x) * 4 + 4)];
    expect(at(64, 64)).toEqual([255, 0, 0, 255]); // inside the circle
    expect(at(200, 64)[3]).toBe(0); // empty canvas stays transparent
    expect(await hasTransparency(out.data)).toBe(true);
  });

  it('renders a portrait opaque SVG sharply, reporting no transparency', async () => {
    const out = await renderSvg(opaque, 512);
    expect([out.width, out.height, out.hasAlpha]).toEqual([256, 512, false]);
    expect((await sharp(out.data).metadata()).channels).toBe(4);
  });

  it('throws on broken and on empty SVGs', async () => {
    await expect(renderSvg(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><g>'), 64)).rejects.toThrow();
    await expect(renderSvg(Buffer.from('not an svg'), 64)).rejects.toThrow();
    await expect(renderSvg(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'), 64)).rejects.toThrow(/transparent/);
  });
});
