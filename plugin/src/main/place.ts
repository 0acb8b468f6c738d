/**
 * Putting a result on the canvas.
 *
 * - In place, image fill: the fill's image is swapped (same layer, same on-canvas size, more pixels; scale mode,
 *   crop and filters kept).
 * - In place, anything else (frames, groups, text, vectors): a new image layer takes the original's spot in the layer
 *   tree, right above it, and the original is hidden (not deleted), so the layout and undo stay intact.
 * - Beside: a new layer named `<name> @<scale>x`, same on-canvas size, to the right of the original in the same parent.
 * - Locked layers, and layers deleted during the run, always get a new layer (locked: beside; deleted: where it was).
 * - A result split into tiles becomes a group of tile rectangles covering the same box.
 */
import type { ImagePaint, Paint, RectangleNode, SceneNode } from '../figma.ts';
import type { ResultImage, RunOptions } from '../messages.ts';
import { IDENTITY, invert, multiply, shiftedRight, subBox, type CanvasBox } from './geometry.ts';
import { findSceneNode, isParent, type ParentNode, type PluginHost } from './host.ts';
import type { Snapshot } from './snapshot.ts';

/** The name of a new layer holding a result. */
export function resultName(name: string, scale: number): string {
  return `${name} @${scale}x`;
}

/** The transform from absolute canvas coordinates to coordinates of a child of `parent` (groups are see-through). */
function toParentSpace(parent: ParentNode): typeof IDENTITY {
  let container: ParentNode | null = parent;
  while (container && (container.type === 'GROUP' || container.type === 'BOOLEAN_OPERATION')) container = container.parent;
  if (!container || container.type === 'PAGE' || container.type === 'DOCUMENT') return IDENTITY;
  return invert((container as SceneNode).absoluteTransform);
}

function withImage(fills: readonly Paint[], oldHash: string | undefined, newHash: string): Paint[] {
  return fills.map((paint) => (paint.type === 'IMAGE' && paint.imageHash === oldHash ? { ...paint, imageHash: newHash } : paint));
}

function fillsFor(node: SceneNode | undefined, snap: Snapshot, hash: string): Paint[] {
  const own = node && 'fills' in node && Array.isArray(node.fills) ? (node.fills as readonly Paint[]) : undefined;
  if (snap.source === 'image' && own) return withImage(own, snap.imageHash, hash);
  const paint: ImagePaint = { type: 'IMAGE', scaleMode: 'FILL', imageHash: hash };
  return [paint];
}

function imageRectangle(host: PluginHost, parent: ParentNode, index: number, box: CanvasBox, fills: Paint[]): RectangleNode {
  const rect = host.createRectangle();
  parent.insertChild(Math.min(index, parent.children.length), rect);
  rect.resize(Math.max(box.width, 0.01), Math.max(box.height, 0.01));
  rect.relativeTransform = multiply(toParentSpace(parent), box.transform);
  rect.fills = fills;
  return rect;
}

function tileGroup(host: PluginHost, parent: ParentNode, index: number, box: CanvasBox, image: ResultImage): SceneNode {
  const rects = image.tiles.map((tile, i) => {
    const fill: ImagePaint = { type: 'IMAGE', scaleMode: 'FILL', imageHash: host.createImage(tile.bytes).hash };
    const rect = imageRectangle(host, parent, index + i, subBox(box, image.width, image.height, tile), [fill]);
    rect.name = `Tile ${i + 1} of ${image.tiles.length}`;
    return rect;
  });
  return host.group(rects, parent, Math.min(index, parent.children.length));
}

async function parentFor(host: PluginHost, node: SceneNode | undefined, snap: Snapshot): Promise<ParentNode> {
  if (node?.parent && isParent(node.parent)) return node.parent;
  const remembered = snap.parentId ? await host.getNodeByIdAsync(snap.parentId) : null;
  return isParent(remembered) && !remembered.removed ? remembered : host.currentPage;
}

/** The box a result covers; tiles of an image fill show the whole image at the layer's width. */
function targetBox(snap: Snapshot, image: ResultImage, beside: boolean): CanvasBox {
  let box = snap.box;
  if (snap.source === 'image' && image.tiles.length > 1) box = { ...box, height: (box.width * image.height) / image.width };
  return beside ? shiftedRight(box, snap.besideDx) : box;
}

/** Places one result; returns the node that now shows it. */
export async function placeResult(host: PluginHost, snap: Snapshot, image: ResultImage, options: RunOptions): Promise<SceneNode> {
  const node = await findSceneNode(host, snap.nodeId);
  const inPlace = options.placement === 'in-place' && !snap.locked && node !== undefined;
  const single = image.tiles.length === 1 ? image.tiles[0] : undefined;
  if (inPlace && single && snap.source === 'image' && 'fills' in node) {
    node.fills = fillsFor(node, snap, host.createImage(single.bytes).hash);
    return node;
  }
  const parent = await parentFor(host, node, snap);
  const index = node && node.parent === parent ? parent.children.indexOf(node) + 1 : parent.children.length;
  const box = targetBox(snap, image, !inPlace && node !== undefined);
  const layer = single
    ? imageRectangle(host, parent, index, box, fillsFor(node, snap, host.createImage(single.bytes).hash))
    : tileGroup(host, parent, index, box, image);
  layer.name = resultName(snap.name, options.scale);
  if (snap.constraints && 'constraints' in layer) layer.constraints = snap.constraints;
  if (inPlace) node.visible = false;
  return layer;
}
