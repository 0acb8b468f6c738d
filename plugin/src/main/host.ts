/** The part of Figma's Plugin API the main thread uses: the real `figma` in Figma, a fake one in tests. */
import type { BaseNode, ChildrenMixin, PluginAPI, Rect, SceneNode } from '../figma.ts';

/** The members of `figma` the plugin touches; anything else is off limits, which keeps the test fake honest. */
export type PluginHost = Pick<
  PluginAPI,
  | 'currentPage' | 'ui' | 'showUI' | 'on' | 'clientStorage' | 'notify' | 'commitUndo'
  | 'createImage' | 'getImageByHash' | 'createRectangle' | 'createFrame' | 'group' | 'getNodeByIdAsync'
>;

/** A node that can hold children (page, frame, group, ...). */
export type ParentNode = BaseNode & ChildrenMixin;

/** True when `node` can hold children. */
export function isParent(node: BaseNode | null | undefined): node is ParentNode {
  return !!node && 'children' in node && 'insertChild' in node;
}

/** The node with `id` when it is still a layer on a page, else undefined (deleted, or not a scene node). */
export async function findSceneNode(host: PluginHost, id: string): Promise<SceneNode | undefined> {
  const node = await host.getNodeByIdAsync(id);
  if (!node || node.removed || node.type === 'DOCUMENT' || node.type === 'PAGE') return undefined;
  return node as SceneNode;
}

/** The layer's visible bounds on the canvas (what a PNG export covers), falling back to its bounding box. */
export function visibleBounds(node: SceneNode): Rect | null {
  const render = 'absoluteRenderBounds' in node ? node.absoluteRenderBounds : null;
  return render ?? node.absoluteBoundingBox;
}

/** The message of anything thrown: Figma and other realms throw errors that fail `instanceof Error`. */
export function errorText(error: unknown): string {
  const message = error && typeof error === 'object' ? (error as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : String(error);
}

/** The outermost instance that `node` is inside of (not `node` itself), or undefined: Figma adds no layers in there. */
export function outermostInstance(node: SceneNode): SceneNode | undefined {
  let found: SceneNode | undefined;
  for (let p = node.parent; p && p.type !== 'PAGE' && p.type !== 'DOCUMENT'; p = p.parent) if (p.type === 'INSTANCE') found = p as SceneNode;
  return found;
}
