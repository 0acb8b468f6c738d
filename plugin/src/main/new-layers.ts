/**
 * The new layers a result can become, each built inside a placement draft (so a failure leaves nothing behind): an
 * image rectangle, a group of tile rectangles covering an exported layer's box, or a frame clipped to an image layer's
 * box holding the tiles where the fill shows its picture.
 */
import type { FrameNode, GroupNode, ImagePaint, Paint, RectangleNode, SceneNode } from '../figma.ts';
import type { ResultImage } from '../messages.ts';
import type { PlacementDraft } from './draft.ts';
import { imageRectInLayer } from './fills.ts';
import { IDENTITY, invert, multiply, subBox, translation, type CanvasBox } from './geometry.ts';
import type { ParentNode, PluginHost } from './host.ts';

/** Where a new layer goes in the layer tree; `outOfFlow` keeps it from joining an auto-layout parent's flow. */
export interface Slot {
  parent: ParentNode;
  index: number;
  outOfFlow: boolean;
}

/** The transform from absolute canvas coordinates to coordinates of a child of `parent` (groups are see-through). */
export function toParentSpace(parent: ParentNode): typeof IDENTITY {
  let container: ParentNode | null = parent;
  while (container && (container.type === 'GROUP' || container.type === 'BOOLEAN_OPERATION')) container = container.parent;
  if (!container || container.type === 'PAGE' || container.type === 'DOCUMENT') return IDENTITY;
  return invert((container as SceneNode).absoluteTransform);
}

function isAutoLayout(parent: ParentNode): boolean {
  return 'layoutMode' in parent && parent.layoutMode !== 'NONE';
}

/** Puts `node` into its slot (absolute inside auto layout when out of flow) and moves it onto `box`. */
export function insertAt(slot: Slot, node: SceneNode, box: CanvasBox): void {
  slot.parent.insertChild(Math.min(slot.index, slot.parent.children.length), node);
  if (slot.outOfFlow && isAutoLayout(slot.parent) && 'layoutPositioning' in node) node.layoutPositioning = 'ABSOLUTE';
  node.relativeTransform = multiply(toParentSpace(slot.parent), box.transform);
}

function newRectangle(host: PluginHost, draft: PlacementDraft, width: number, height: number, fills: Paint[]): RectangleNode {
  const rect = draft.created(host.createRectangle());
  rect.resize(Math.max(width, 0.01), Math.max(height, 0.01));
  rect.fills = fills;
  return rect;
}

/** A rectangle filled with `fills` covering `box`. */
export function imageRectangle(host: PluginHost, draft: PlacementDraft, slot: Slot, box: CanvasBox, fills: Paint[]): RectangleNode {
  const rect = newRectangle(host, draft, box.width, box.height, fills);
  insertAt(slot, rect, box);
  return rect;
}

function imageFill(host: PluginHost, bytes: Uint8Array): ImagePaint {
  return { type: 'IMAGE', scaleMode: 'FILL', imageHash: host.createImage(bytes).hash };
}

function tileName(i: number, count: number): string {
  return `Tile ${i + 1} of ${count}`;
}

/** A group of tile rectangles covering `box` exactly (the box has the image's aspect: an exported layer). */
export function tileGroup(host: PluginHost, draft: PlacementDraft, slot: Slot, box: CanvasBox, image: ResultImage): SceneNode {
  const inner: Slot = { ...slot, outOfFlow: true };
  const rects = image.tiles.map((tile, i) => {
    const rect = imageRectangle(host, draft, { ...inner, index: slot.index + i }, subBox(box, image.width, image.height, tile), [imageFill(host, tile.bytes)]);
    rect.name = tileName(i, image.tiles.length);
    return rect;
  });
  return groupAt(host, draft, slot, rects);
}

/** Groups `nodes` (already in the slot's parent) at the slot: out of an auto-layout flow when the slot says so. */
export function groupAt(host: PluginHost, draft: PlacementDraft, slot: Slot, nodes: SceneNode[]): GroupNode {
  const group = draft.created(host.group(nodes, slot.parent, Math.min(slot.index, slot.parent.children.length)));
  if (slot.outOfFlow && isAutoLayout(slot.parent)) group.layoutPositioning = 'ABSOLUTE';
  return group;
}

/**
 * A frame with the layer's box, corner radius and other fills, clipped to that box, holding the tiles where `paint`
 * shows its picture in the layer (cover, fit or crop): what the layer showed, with more pixels.
 */
export function imageTileFrame(
  host: PluginHost, draft: PlacementDraft, slot: Slot, box: CanvasBox, image: ResultImage, paint: ImagePaint, layer: SceneNode | undefined,
): FrameNode {
  const frame: FrameNode = draft.created(host.createFrame());
  frame.resize(Math.max(box.width, 0.01), Math.max(box.height, 0.01));
  const fills = layer && 'fills' in layer && Array.isArray(layer.fills) ? (layer.fills as readonly Paint[]) : [];
  frame.fills = fills.filter((f) => !(f.type === 'IMAGE' && f.imageHash === paint.imageHash));
  frame.clipsContent = true;
  if (layer && 'cornerRadius' in layer && typeof layer.cornerRadius === 'number' && layer.cornerRadius > 0) frame.cornerRadius = layer.cornerRadius;
  insertAt(slot, frame, box);
  const picture = imageRectInLayer(paint, box.width, box.height, image.width, image.height);
  const [sx, sy] = [picture.width / image.width, picture.height / image.height];
  image.tiles.forEach((tile, i) => {
    const rect = newRectangle(host, draft, tile.width * sx, tile.height * sy, [imageFill(host, tile.bytes)]);
    rect.name = tileName(i, image.tiles.length);
    frame.appendChild(rect);
    rect.relativeTransform = translation(picture.x + tile.x * sx, picture.y + tile.y * sy);
  });
  return frame;
}

/**
 * Figma's own duplicate of an image layer, showing `fills`: the copy keeps the layer's shape (an ellipse stays round),
 * corner radii, strokes, effects, opacity, blend mode, constraints and rotation. A mask's copy is a plain layer, so it
 * does not change what the original masks; a locked layer's copy is unlocked.
 */
export function imageCopy(draft: PlacementDraft, layer: SceneNode, slot: Slot, box: CanvasBox, fills: Paint[]): SceneNode {
  const copy = draft.created(layer.clone());
  insertAt(slot, copy, box);
  if (!('fills' in copy)) throw new Error('This kind of layer cannot show an image');
  copy.fills = fills;
  if ('isMask' in copy && copy.isMask) copy.isMask = false;
  if (copy.locked) copy.locked = false;
  return copy;
}

/** What {@link lookAlike} copies from the layer, where both have it and it is not mixed. */
const LOOK_PROPERTIES = Object.freeze([
  'opacity', 'blendMode', 'effects', 'strokes', 'strokeWeight', 'strokeAlign', 'dashPattern', 'cornerSmoothing',
  'cornerRadius', 'topLeftRadius', 'topRightRadius', 'bottomLeftRadius', 'bottomRightRadius',
] as const);

/**
 * A rectangle showing `fills` with the layer's look copied (opacity, blend mode, effects, strokes, corner radii): the
 * stand-in when Figma will not duplicate the layer (an ellipse comes back as a rectangle then).
 */
export function lookAlike(host: PluginHost, draft: PlacementDraft, layer: SceneNode, slot: Slot, box: CanvasBox, fills: Paint[]): RectangleNode {
  const rect = imageRectangle(host, draft, slot, box, fills);
  const from = layer as unknown as Record<string, unknown>;
  const to = rect as unknown as Record<string, unknown>;
  for (const key of LOOK_PROPERTIES) {
    if (key in from && key in to && typeof from[key] !== 'symbol') to[key] = from[key];
  }
  return rect;
}
