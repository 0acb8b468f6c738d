/**
 * Which selected layers a run upscales. Rules: when a layer and one of its descendants are both selected, only the
 * ancestor is upscaled; hidden layers (or layers inside hidden ones) are skipped with a note; locked layers are read
 * but never changed, so their results always go beside them.
 */
import type { ImagePaint, SceneNode } from '../figma.ts';
import type { LayerInfo, SelectionSummary, SkippedLayer } from '../messages.ts';
import { outermostInstance, visibleBounds, type PluginHost } from './host.ts';

/** A selected layer the run will upscale. */
export interface Target {
  node: SceneNode;
  info: LayerInfo;
  /** The image fill whose original bytes are sent, when the layer is a shape filled with an image. */
  imagePaint?: ImagePaint;
}

/** The selection read for a run: targets and the layers left out. */
export interface SelectionRead {
  targets: Target[];
  skipped: SkippedLayer[];
}

function ancestors(node: SceneNode): SceneNode[] {
  const chain: SceneNode[] = [];
  for (let p = node.parent; p && p.type !== 'PAGE' && p.type !== 'DOCUMENT'; p = p.parent) chain.push(p as SceneNode);
  return chain;
}

/** The selected nodes without those that have a selected ancestor, in selection order. */
export function topmostSelected(selection: readonly SceneNode[]): SceneNode[] {
  const ids = new Set(selection.map((node) => node.id));
  return selection.filter((node) => !ancestors(node).some((a) => ids.has(a.id)));
}

/** The topmost visible image fill of a childless layer, or undefined (then the layer is exported instead). */
export function imagePaintOf(node: SceneNode): ImagePaint | undefined {
  if ('children' in node && node.children.length > 0) return undefined;
  if (!('fills' in node) || !Array.isArray(node.fills)) return undefined;
  const fills = node.fills as readonly { type: string; visible?: boolean }[];
  for (let i = fills.length - 1; i >= 0; i--) {
    const paint = fills[i]!;
    if (paint.visible === false) continue;
    if (paint.type === 'IMAGE' && (paint as ImagePaint).imageHash) return paint as ImagePaint;
  }
  return undefined;
}

function skipReason(node: SceneNode): string | undefined {
  if (!node.visible) return 'Hidden — show it to upscale it';
  if (ancestors(node).some((a) => !a.visible)) return 'Inside a hidden layer';
  if (!('exportAsync' in node)) return 'This kind of layer has no pixels to upscale';
  const bounds = visibleBounds(node);
  if (!bounds || bounds.width < 0.5 || bounds.height < 0.5) return 'Nothing visible to upscale';
  return undefined;
}

function isLocked(node: SceneNode): boolean {
  return node.locked || ancestors(node).some((a) => a.locked);
}

/** Words for the row of a layer inside an instance, where Figma takes no new layers: only a fill swap stays inside. */
export function instanceWarning(node: SceneNode, imagePaint: ImagePaint | undefined): string | undefined {
  if (!outermostInstance(node)) return undefined;
  return imagePaint ? 'Inside a component: Add beside puts the result beside the instance' : 'Inside a component: the result goes beside the instance';
}

async function describe(host: PluginHost, node: SceneNode, imagePaint: ImagePaint | undefined): Promise<LayerInfo> {
  const warning = instanceWarning(node, imagePaint);
  const base = { id: node.id, name: node.name, nodeType: node.type, locked: isLocked(node), ...(warning ? { warning } : {}) };
  const image = imagePaint?.imageHash ? host.getImageByHash(imagePaint.imageHash) : null;
  if (image) {
    const { width, height } = await image.getSizeAsync();
    return { ...base, source: 'image', widthPx: width, heightPx: height };
  }
  const bounds = (visibleBounds(node))!;
  return { ...base, source: 'export', widthPx: Math.max(1, Math.round(bounds.width)), heightPx: Math.max(1, Math.round(bounds.height)) };
}

/** Reads the current page's selection into targets and skipped layers. */
export async function readSelection(host: PluginHost): Promise<SelectionRead> {
  const targets: Target[] = [];
  const skipped: SkippedLayer[] = [];
  for (const node of topmostSelected(host.currentPage.selection)) {
    const reason = skipReason(node);
    if (reason) {
      skipped.push({ id: node.id, name: node.name, reason });
      continue;
    }
    const found = imagePaintOf(node);
    const imagePaint = found?.imageHash && host.getImageByHash(found.imageHash) ? found : undefined;
    targets.push({ node, info: await describe(host, node, imagePaint), ...(imagePaint ? { imagePaint } : {}) });
  }
  return { targets, skipped };
}

/** The selection as the UI shows it. */
export async function summarizeSelection(host: PluginHost): Promise<SelectionSummary> {
  const { targets, skipped } = await readSelection(host);
  return { layers: targets.map((t) => t.info), skipped };
}
