/**
 * Putting a result on the canvas. Every placement is all-or-nothing (see draft.ts).
 *
 * - In place, image fill: the fill's image is swapped (same layer, same on-canvas size, more pixels; scale mode,
 *   crop, filters and opacity kept; a repeating fill keeps its pattern size). Allowed inside instances (an override).
 * - In place, anything else (frames, groups, text, vectors): a new image layer takes the original's spot in the layer
 *   tree, right above it, and the original is hidden (not deleted), so the layout and undo stay intact.
 * - Beside: a copy named `<name> @<scale>x`, same on-canvas size, to the right of the original in the same parent,
 *   out of any auto-layout flow; a layer clipped by a mask comes with a copy of the mask, grouped (see masked.ts).
 * - Inside an instance, where Figma takes no new layers: anything but a fill swap goes beside the instance instead.
 * - Locked layers, and layers deleted during the run, always get a new layer (locked: beside; deleted: where it was).
 * - A result split into tiles: tiles of an exported layer are grouped over its box; tiles of an image fill sit in a
 *   frame clipped to the layer's box, where the fill showed its picture.
 */
import type { SceneNode } from '../figma.ts';
import type { ResultImage, RunOptions } from '../messages.ts';
import { allOrNothing, type PlacementDraft } from './draft.ts';
import { isFilled, type FilledLayer, upscaledFills, upscaledPaint } from './fills.ts';
import { shiftedRight, type CanvasBox } from './geometry.ts';
import { findSceneNode, isParent, outermostInstance, type ParentNode, type PluginHost } from './host.ts';
import { clippingMask, maskedCopy } from './masked.ts';
import { imageCopy, imageRectangle, imageTileFrame, lookAlike, tileGroup, type Slot } from './new-layers.ts';
import type { Snapshot } from './snapshot.ts';

/** The name of a new layer holding a result. */
export function resultName(name: string, scale: number): string {
  return `${name} @${scale}x`;
}

/** How many times more pixels (across) the result has than what was read. */
function pixelRatio(snap: Snapshot, image: ResultImage): number {
  return image.width / snap.sourceWidthPx;
}

/** A new layer showing the result over `box`, in `slot`. */
function newLayer(host: PluginHost, draft: PlacementDraft, slot: Slot, box: CanvasBox, snap: Snapshot, image: ResultImage, node?: SceneNode): SceneNode {
  const single = image.tiles.length === 1 ? image.tiles[0] : undefined;
  const paint = snap.imagePaint;
  if (single) {
    const hash = host.createImage(single.bytes).hash;
    const fill = paint ? upscaledPaint(paint, hash, pixelRatio(snap, image)) : { type: 'IMAGE' as const, scaleMode: 'FILL' as const, imageHash: hash };
    return imageRectangle(host, draft, slot, box, [fill]);
  }
  return paint ? imageTileFrame(host, draft, slot, box, image, paint, node) : tileGroup(host, draft, slot, box, image);
}

/** Names a new result layer and gives it the layer's constraints. */
function finish(layer: SceneNode, snap: Snapshot, options: RunOptions): SceneNode {
  layer.name = resultName(snap.name, options.scale);
  if (snap.constraints && 'constraints' in layer) layer.constraints = snap.constraints;
  return layer;
}

/** Right above `anchor` in its parent. */
function slotAfter(anchor: SceneNode, outOfFlow: boolean): Slot {
  const parent = anchor.parent as ParentNode;
  return { parent, index: parent.children.indexOf(anchor) + 1, outOfFlow };
}

/** The layer was deleted during the run: its result goes where it was, in its parent when that is still there. */
async function placeWhereItWas(host: PluginHost, draft: PlacementDraft, snap: Snapshot, image: ResultImage, options: RunOptions): Promise<SceneNode> {
  const remembered = snap.parentId ? await host.getNodeByIdAsync(snap.parentId) : null;
  const usable = isParent(remembered) && !remembered.removed && !outermostInstance(remembered as SceneNode) && remembered.type !== 'INSTANCE';
  const parent = usable ? remembered : host.currentPage;
  return finish(newLayer(host, draft, { parent, index: parent.children.length, outOfFlow: false }, snap.box, snap, image), snap, options);
}

/** Chooses where the result goes (see the list at the top) and puts it there, every change recorded in `draft`. */
async function place(host: PluginHost, draft: PlacementDraft, snap: Snapshot, image: ResultImage, options: RunOptions): Promise<SceneNode> {
  const node = await findSceneNode(host, snap.nodeId);
  if (!node) return placeWhereItWas(host, draft, snap, image, options);
  const instance = outermostInstance(node);
  const inPlace = options.placement === 'in-place' && !snap.locked;
  const single = image.tiles.length === 1 ? image.tiles[0] : undefined;
  if (inPlace && single && snap.imagePaint?.imageHash && isFilled(node)) {
    const hash = host.createImage(single.bytes).hash;
    draft.set(node, 'fills', upscaledFills(node.fills, snap.imagePaint.imageHash, hash, pixelRatio(snap, image)));
    return node;
  }
  if (inPlace && !instance) {
    const layer = finish(newLayer(host, draft, slotAfter(node, false), snap.box, snap, image, node), snap, options);
    draft.set(node, 'visible', false);
    return layer;
  }
  return placeBeside(host, draft, node, instance ?? node, snap, image, options);
}

/** The copy an earlier fill of the same layer put beside it in this run, when it still shows the image read. */
async function earlierCopy(host: PluginHost, snap: Snapshot): Promise<FilledLayer | undefined> {
  const copy = snap.besideCopy.nodeId ? await findSceneNode(host, snap.besideCopy.nodeId) : undefined;
  const hash = snap.imagePaint?.imageHash;
  return isFilled(copy) && copy.fills.some((p) => p.type === 'IMAGE' && p.imageHash === hash) ? copy : undefined;
}

/** A copy beside the layer (or beside the instance holding it), out of any auto-layout flow; each fill lands on one copy. */
async function placeBeside(
  host: PluginHost, draft: PlacementDraft, node: SceneNode, anchor: SceneNode, snap: Snapshot, image: ResultImage, options: RunOptions,
): Promise<SceneNode> {
  const single = image.tiles.length === 1 ? image.tiles[0] : undefined;
  const oldHash = snap.imagePaint?.imageHash;
  const copy = single && oldHash ? await earlierCopy(host, snap) : undefined;
  if (copy && single && oldHash) {
    draft.set(copy, 'fills', upscaledFills(copy.fills, oldHash, host.createImage(single.bytes).hash, pixelRatio(snap, image)));
    return copy;
  }
  const slot = slotAfter(anchor, true);
  // Above a mask the copy would be masked by it: the copy of a mask (a plain layer) goes right below it instead.
  if (anchor === node && 'isMask' in node && node.isMask) slot.index -= 1;
  const box = shiftedRight(snap.box, snap.besideX - snap.boxLeft);
  const mask = anchor === node ? clippingMask(node) : undefined;
  let layer: SceneNode;
  let copyOfLayer: SceneNode;
  if (single && oldHash && isFilled(node)) {
    const fills = upscaledFills(node.fills, oldHash, host.createImage(single.bytes).hash, pixelRatio(snap, image));
    if (mask) {
      ({ group: layer, copy: copyOfLayer } = maskedCopy(host, draft, node, mask, fills));
    } else {
      // Figma's duplicate keeps everything; where it will not duplicate the layer, a rectangle with its look.
      layer = copyOfLayer = draft.attempt((own) => imageCopy(own, node, slot, box, fills), () => lookAlike(host, draft, node, slot, box, fills));
    }
  } else {
    layer = copyOfLayer = newLayer(host, draft, slot, box, snap, image, node);
  }
  finish(layer, snap, options);
  snap.besideCopy.nodeId = copyOfLayer.id;
  return layer;
}

/** Places one result; returns the node that now shows it. Nothing is left behind when it throws. */
export function placeResult(host: PluginHost, snap: Snapshot, image: ResultImage, options: RunOptions): Promise<SceneNode> {
  return allOrNothing((draft) => place(host, draft, snap, image, options));
}
