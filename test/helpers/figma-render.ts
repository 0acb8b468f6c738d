/** A tiny software renderer for the fake host's exportAsync: solid fills of boxes and ellipses, alpha included, to a real PNG. */
import type { Paint } from '@figma/plugin-typings/plugin-api-standalone.js';
import sharp from 'sharp';
import { invert } from '../../plugin/src/main/geometry.ts';
import type { FakeNode } from './figma-nodes.ts';

type Rgba = [number, number, number, number];

function paintColor(paint: Paint): Rgba | undefined {
  if (paint.visible === false) return undefined;
  const opacity = paint.opacity ?? 1;
  if (paint.type === 'SOLID') return [paint.color.r * 255, paint.color.g * 255, paint.color.b * 255, opacity];
  if (paint.type === 'IMAGE') return [128, 128, 128, opacity];
  return undefined;
}

/** True when absolute point (x, y) is inside the node's shape. */
function hits(node: FakeNode, x: number, y: number): boolean {
  const [[a, c, e], [b, d, f]] = invert(node.absoluteTransform);
  const u = a * x + c * y + e;
  const v = b * x + d * y + f;
  if (u < 0 || v < 0 || u >= node.width || v >= node.height) return false;
  if (node.type === 'ELLIPSE' || node.type === 'VECTOR') {
    const du = (u - node.width / 2) / (node.width / 2);
    const dv = (v - node.height / 2) / (node.height / 2);
    return du * du + dv * dv <= 1;
  }
  if (node.type === 'TEXT') return Math.floor(v / 4) % 2 === 0;
  return true;
}

function over(dst: Rgba, src: Rgba): void {
  const alpha = src[3] + dst[3] * (1 - src[3]);
  for (let c = 0; c < 3; c++) dst[c] = alpha === 0 ? 0 : (src[c]! * src[3] + dst[c]! * dst[3] * (1 - src[3])) / alpha;
  dst[3] = alpha;
}

function shade(node: FakeNode, x: number, y: number, out: Rgba): void {
  if (!node.visible) return;
  if (node.type !== 'GROUP' && hits(node, x, y)) {
    for (const paint of node.fills) {
      const color = paintColor(paint);
      if (color) over(out, color);
    }
  }
  if (node.clipsContent && !hits(node, x, y)) return;
  for (const child of node.children) shade(child, x, y, out);
}

/** Renders `node` and its children over transparency, covering its render bounds at `scale`, as PNG bytes. */
export async function renderNodePng(node: FakeNode, scale: number): Promise<Uint8Array> {
  const bounds = node.absoluteRenderBounds;
  if (!bounds) throw new Error('cannot export an invisible node');
  const width = Math.max(1, Math.round(bounds.width * scale));
  const height = Math.max(1, Math.round(bounds.height * scale));
  const data = Buffer.alloc(width * height * 4);
  const pixel: Rgba = [0, 0, 0, 0];
  for (let py = 0; py < height; py++) {
    for (let px = 0; px < width; px++) {
      pixel.fill(0);
      shade(node, bounds.x + (px + 0.5) / scale, bounds.y + (py + 0.5) / scale, pixel);
      data.set([Math.round(pixel[0]), Math.round(pixel[1]), Math.round(pixel[2]), Math.round(pixel[3] * 255)], (py * width + px) * 4);
    }
  }
  return new Uint8Array(await sharp(data, { raw: { width, height, channels: 4 } }).png().toBuffer());
}
