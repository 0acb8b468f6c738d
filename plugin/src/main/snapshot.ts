/** What the plugin remembers about a layer when it reads it, so the result lands where the layer was. */
import type { Constraints } from '../figma.ts';
import { visibleBounds } from './host.ts';
import { boundsOf, translation, type CanvasBox } from './geometry.ts';
import type { Target } from './selection.ts';
import type { LayerPixels } from './source.ts';

/** Canvas units between a layer and a result placed beside it. */
export const BESIDE_GAP = 20;

/** A layer's geometry, rotation, constraints and place in the layer tree, taken when its pixels were read. */
export interface Snapshot {
  nodeId: string;
  name: string;
  parentId: string | undefined;
  locked: boolean;
  source: LayerPixels['source'];
  imageHash?: string;
  /** Where the pixels sit: the layer's own box for an image fill, its (axis-aligned) render bounds for an export. */
  box: CanvasBox;
  /** How far right a result placed beside the layer goes, in canvas units. */
  besideDx: number;
  constraints?: Constraints;
}

/** Takes the snapshot of a target whose pixels were just read. */
export function snapshotOf(target: Target, pixels: LayerPixels): Snapshot {
  const { node, info } = target;
  let box: CanvasBox;
  if (pixels.source === 'image') {
    box = { transform: node.absoluteTransform, width: node.width, height: node.height };
  } else {
    const r = visibleBounds(node)!;
    box = { transform: translation(r.x, r.y), width: r.width, height: r.height };
  }
  return {
    nodeId: node.id,
    name: node.name,
    parentId: node.parent?.id,
    locked: info.locked,
    source: pixels.source,
    ...(pixels.imageHash ? { imageHash: pixels.imageHash } : {}),
    box,
    besideDx: boundsOf(box.transform, box.width, box.height).width + BESIDE_GAP,
    ...('constraints' in node ? { constraints: { ...node.constraints } } : {}),
  };
}
