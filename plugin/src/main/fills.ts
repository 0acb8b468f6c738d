/** Image fills and their upscaled versions: the fill swapped for more pixels, keeping how it shows on the layer. */
import type { ImagePaint, Paint, Rect, SceneNode } from '../figma.ts';
import { DesignerFacingError } from './figma-errors.ts';

/** A layer with a list of fills (not mixed ones, as text with several styles has). */
export type FilledLayer = SceneNode & { fills: readonly Paint[] };

/** True when `node` has a list of fills. */
export function isFilled(node: SceneNode | undefined): node is FilledLayer {
  return !!node && 'fills' in node && Array.isArray(node.fills);
}

/**
 * `paint` showing the image `newHash`, which has `pixelRatio` times the pixels of the old one. Scale mode, crop,
 * rotation, filters and opacity stay; a repeating (TILE) fill divides its scaling factor by the ratio, so its pattern
 * keeps its size on the canvas.
 */
export function upscaledPaint(paint: ImagePaint, newHash: string, pixelRatio: number): ImagePaint {
  if (paint.scaleMode !== 'TILE') return { ...paint, imageHash: newHash };
  return { ...paint, imageHash: newHash, scalingFactor: (paint.scalingFactor ?? 1) / pixelRatio };
}

/** `fills` with every image fill of `oldHash` upscaled; throws when there is none (the layer's image changed meanwhile). */
export function upscaledFills(fills: readonly Paint[], oldHash: string, newHash: string, pixelRatio: number): Paint[] {
  if (!fills.some((p) => p.type === 'IMAGE' && p.imageHash === oldHash)) {
    throw new DesignerFacingError('The layer’s image was changed while it was being upscaled. Select it again and press Upscale.');
  }
  return fills.map((p) => (p.type === 'IMAGE' && p.imageHash === oldHash ? upscaledPaint(p, newHash, pixelRatio) : p));
}

/**
 * Where an image fill shows its picture in a `width` × `height` layer, in the layer's own coordinates: FILL covers the
 * layer (centred, cropped), FIT fits inside it, CROP follows its image transform. A repeating fill has no one place.
 */
export function imageRectInLayer(paint: ImagePaint, width: number, height: number, imageWidth: number, imageHeight: number): Rect {
  if (paint.scaleMode === 'TILE') {
    throw new DesignerFacingError('A repeating image fill over 4096 px can’t be split into tiles. Pick “Shrink to fit” under Over 4096 px, or a smaller scale.');
  }
  const [[a, c, e], [b, d, f]] = paint.imageTransform ?? [[1, 0, 0], [0, 1, 0]];
  if (paint.scaleMode === 'CROP' && b === 0 && c === 0 && a > 0 && d > 0) {
    return { x: (-e * width) / a, y: (-f * height) / d, width: width / a, height: height / d };
  }
  const fit = paint.scaleMode === 'FIT';
  const scale = (fit ? Math.min : Math.max)(width / imageWidth, height / imageHeight);
  const [w, h] = [imageWidth * scale, imageHeight * scale];
  return { x: (width - w) / 2, y: (height - h) / 2, width: w, height: h };
}
