/** 2-D affine transforms in Figma's layout (`[[a, c, tx], [b, d, ty]]`) and the boxes the plugin places results in. */
import type { Rect, Transform } from '../figma.ts';

/** The identity transform. */
export const IDENTITY: Transform = [[1, 0, 0], [0, 1, 0]];

/** `outer` after `inner`: maps a point through `inner`, then through `outer`. */
export function multiply(outer: Transform, inner: Transform): Transform {
  const [[a, c, e], [b, d, f]] = outer;
  const [[a2, c2, e2], [b2, d2, f2]] = inner;
  return [
    [a * a2 + c * b2, a * c2 + c * d2, a * e2 + c * f2 + e],
    [b * a2 + d * b2, b * c2 + d * d2, b * e2 + d * f2 + f],
  ];
}

/** The inverse transform; throws for a degenerate (zero-area) one. */
export function invert(t: Transform): Transform {
  const [[a, c, e], [b, d, f]] = t;
  const det = a * d - b * c;
  if (Math.abs(det) < 1e-12) throw new Error('the layer has a degenerate transform');
  return [
    [d / det, -c / det, (c * f - d * e) / det],
    [-b / det, a / det, (b * e - a * f) / det],
  ];
}

/** A pure translation. */
export function translation(x: number, y: number): Transform {
  return [[1, 0, x], [0, 1, y]];
}

/** The axis-aligned bounds of a `width` × `height` box placed by `t`. */
export function boundsOf(t: Transform, width: number, height: number): Rect {
  const corners = [[0, 0], [width, 0], [0, height], [width, height]].map(([x, y]) => [
    t[0][0] * x! + t[0][1] * y! + t[0][2],
    t[1][0] * x! + t[1][1] * y! + t[1][2],
  ]);
  const xs = corners.map((p) => p[0]!);
  const ys = corners.map((p) => p[1]!);
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
}

/** Where a result's pixels sit on the canvas: a box of `width` × `height` canvas units placed by an absolute transform. */
export interface CanvasBox {
  transform: Transform;
  width: number;
  height: number;
}

/** The box moved right (on screen) by `dx` canvas units. */
export function shiftedRight(box: CanvasBox, dx: number): CanvasBox {
  return { ...box, transform: multiply(translation(dx, 0), box.transform) };
}

/** The part of `box` covering the pixel rectangle (x, y, w, h) of an image of `imageWidth` × `imageHeight` pixels. */
export function subBox(box: CanvasBox, imageWidth: number, imageHeight: number, tile: Rect): CanvasBox {
  const sx = box.width / imageWidth;
  const sy = box.height / imageHeight;
  return {
    transform: multiply(box.transform, translation(tile.x * sx, tile.y * sy)),
    width: tile.width * sx,
    height: tile.height * sy,
  };
}
