/** Makes a bridge result fit Figma's largest image (4096 px a side): pass it through, shrink it, or cut it into tiles. */
import type { ImageTile, ResultImage } from '../messages.ts';
import { FIGMA_MAX_IMAGE_SIDE, type Oversize } from '../settings.ts';
import { oversizeText } from './words.ts';

/** A result ready for the main thread, plus a warning when it had to be changed. */
export interface FittedResult {
  image: ResultImage;
  warning?: string;
}

async function encodePng(canvas: OffscreenCanvas): Promise<Uint8Array> {
  return new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
}

function canvasOf(width: number, height: number): [OffscreenCanvas, OffscreenCanvasRenderingContext2D] {
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('no 2D canvas in this browser');
  context.imageSmoothingEnabled = true;
  context.imageSmoothingQuality = 'high';
  return [canvas, context];
}

/** The sizes of the pieces along one side: full tiles of `max`, then the rest. */
export function tileSpans(length: number, max: number = FIGMA_MAX_IMAGE_SIDE): [start: number, size: number][] {
  const spans: [number, number][] = [];
  for (let start = 0; start < length; start += max) spans.push([start, Math.min(max, length - start)]);
  return spans;
}

async function shrink(bitmap: ImageBitmap): Promise<ResultImage> {
  const factor = FIGMA_MAX_IMAGE_SIDE / Math.max(bitmap.width, bitmap.height);
  const width = Math.max(1, Math.min(FIGMA_MAX_IMAGE_SIDE, Math.round(bitmap.width * factor)));
  const height = Math.max(1, Math.min(FIGMA_MAX_IMAGE_SIDE, Math.round(bitmap.height * factor)));
  const [canvas, context] = canvasOf(width, height);
  context.drawImage(bitmap, 0, 0, width, height);
  const bytes = await encodePng(canvas);
  return { width, height, tiles: [{ x: 0, y: 0, width, height, bytes }], shrunkFrom: { width: bitmap.width, height: bitmap.height } };
}

async function split(bitmap: ImageBitmap): Promise<ResultImage> {
  const tiles: ImageTile[] = [];
  for (const [y, height] of tileSpans(bitmap.height)) {
    for (const [x, width] of tileSpans(bitmap.width)) {
      const [canvas, context] = canvasOf(width, height);
      context.drawImage(bitmap, x, y, width, height, 0, 0, width, height);
      tiles.push({ x, y, width, height, bytes: await encodePng(canvas) });
    }
  }
  return { width: bitmap.width, height: bitmap.height, tiles };
}

/** Fits a PNG of `width` × `height` from the bridge for Figma; only an oversized image is decoded and redrawn. */
export async function fitForFigma(png: Uint8Array, width: number, height: number, oversize: Oversize): Promise<FittedResult> {
  if (width <= FIGMA_MAX_IMAGE_SIDE && height <= FIGMA_MAX_IMAGE_SIDE) {
    return { image: { width, height, tiles: [{ x: 0, y: 0, width, height, bytes: png }] } };
  }
  const bitmap = await createImageBitmap(new Blob([png as Uint8Array<ArrayBuffer>], { type: 'image/png' }), { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
  try {
    const image = oversize === 'cap' ? await shrink(bitmap) : await split(bitmap);
    const shrunkTo = image.shrunkFrom ? { width: image.width, height: image.height } : undefined;
    return { image, warning: oversizeText(width, height, shrunkTo, image.tiles.length) };
  } finally {
    bitmap.close();
  }
}
