/** What the plugin remembers about a layer when it reads it, so the result lands where the layer was. */
import type { Constraints, ImagePaint } from '../figma.ts';
import { outermostInstance, visibleBounds } from './host.ts';
import { boundsOf, translation, type CanvasBox } from './geometry.ts';
import type { Target } from './selection.ts';
import type { LayerPixels } from './source.ts';

/** Canvas units between a layer (or the instance holding it) and a result placed beside it. */
export const BESIDE_GAP = 20;

/** Where a layer's copy went in this run, shared by the entries of its image fills so they all land on one copy. */
export interface BesideCopyRef {
  nodeId?: string;
}

/** A layer's geometry, rotation, constraints and place in the layer tree, taken when its pixels were read. */
export interface Snapshot {
  nodeId: string;
  name: string;
  parentId: string | undefined;
  locked: boolean;
  source: LayerPixels['source'];
  /** The image fill whose original was read (source `image`). */
  imagePaint?: ImagePaint;
  /** Pixel width of what was sent to the bridge (the result's is compared with it). */
  sourceWidthPx: number;
  /** Where the pixels sit: the layer's own box for an image fill, its (axis-aligned) render bounds for an export. */
  box: CanvasBox;
  /** The left edge of the box's bounds, and where a result placed beside goes (right of the layer or its instance). */
  boxLeft: number;
  besideX: number;
  constraints?: Constraints;
  besideCopy: BesideCopyRef;
}

/** Takes the snapshot of a target whose pixels were just read; `besideCopy` is shared by the entries of one layer. */
export function snapshotOf(target: Target, pixels: LayerPixels, besideCopy: BesideCopyRef = {}): Snapshot {
  const { node, info } = target;
  let box: CanvasBox;
  if (pixels.source === 'image') {
    box = { transform: node.absoluteTransform, width: node.width, height: node.height };
  } else {
    const r = visibleBounds(node)!;
    box = { transform: translation(r.x, r.y), width: r.width, height: r.height };
  }
  const bounds = boundsOf(box.transform, box.width, box.height);
  const anchor = outermostInstance(node)?.absoluteBoundingBox ?? bounds;
  return {
    nodeId: node.id,
    name: node.name,
    parentId: node.parent?.id,
    locked: info.locked,
    source: pixels.source,
    ...(pixels.source === 'image' && target.imagePaint ? { imagePaint: target.imagePaint } : {}),
    sourceWidthPx: pixels.width,
    box,
    boxLeft: bounds.x,
    besideX: Math.max(anchor.x + anchor.width, bounds.x + bounds.width) + BESIDE_GAP,
    ...('constraints' in node ? { constraints: { ...node.constraints } } : {}),
    besideCopy,
  };
}
