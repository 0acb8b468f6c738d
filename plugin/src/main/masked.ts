/**
 * Add beside for a layer clipped by a mask (a round avatar made of an ellipse mask and a photo): the copy beside the
 * layer, inside the mask's group, would be cut off by the original mask; so the mask and the layer are duplicated and
 * grouped right of the mask's group, clipped the same way.
 */
import type { Paint, SceneNode } from '../figma.ts';
import type { PlacementDraft } from './draft.ts';
import { shiftedRight, type CanvasBox } from './geometry.ts';
import type { ParentNode, PluginHost } from './host.ts';
import { groupAt, imageCopy, insertAt, type Slot } from './new-layers.ts';
import { BESIDE_GAP } from './snapshot.ts';

/** The mask clipping `node`: the nearest mask below it among its siblings, in a group or frame (not on the page). */
export function clippingMask(node: SceneNode): SceneNode | undefined {
  const parent = node.parent;
  if (!parent || !parent.parent || parent.type === 'PAGE' || parent.type === 'DOCUMENT') return undefined;
  const siblings = parent.children;
  for (let i = siblings.indexOf(node) - 1; i >= 0; i--) {
    const sibling = siblings[i]!;
    if ('isMask' in sibling && sibling.isMask) return sibling;
  }
  return undefined;
}

function boxOf(node: SceneNode): CanvasBox {
  return { transform: node.absoluteTransform, width: node.width, height: node.height };
}

/** Copies of `mask` and of `layer` (showing `fills`), grouped right of their parent; returns the group and the layer's copy. */
export function maskedCopy(
  host: PluginHost, draft: PlacementDraft, layer: SceneNode, mask: SceneNode, fills: Paint[],
): { group: SceneNode; copy: SceneNode } {
  const parent = layer.parent as SceneNode & ParentNode;
  const outer = parent.parent as ParentNode;
  const dx = (parent.absoluteBoundingBox?.width ?? layer.width) + BESIDE_GAP;
  const slot: Slot = { parent: outer, index: outer.children.indexOf(parent) + 1, outOfFlow: true };
  const maskCopy = draft.created(mask.clone());
  insertAt(slot, maskCopy, shiftedRight(boxOf(mask), dx));
  const copy = imageCopy(draft, layer, { ...slot, index: slot.index + 1 }, shiftedRight(boxOf(layer), dx), fills);
  return { group: groupAt(host, draft, slot, [maskCopy, copy]), copy };
}
