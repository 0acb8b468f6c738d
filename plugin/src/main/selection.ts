/**
 * Which selected layers a run upscales. Rules: when a layer and one of its descendants are both selected, only the
 * ancestor is upscaled; hidden layers (or layers inside hidden ones) are skipped with a note; locked layers are read
 * but never changed, so their results always go beside them. A layer with several image fills is one target per fill
 * (up to {@link MAX_IMAGE_FILLS}), each upscaled and swapped on its own.
 */
import type { ImagePaint, SceneNode } from '../figma.ts';
import type { LayerInfo, SelectionSummary, SkippedLayer } from '../messages.ts';
import { outermostInstance, visibleBounds, type PluginHost } from './host.ts';

/** A selected layer the run will upscale, or one image fill of it (`info.id` tells them apart). */
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

/** The most image fills of one layer a run upscales (each is its own job); the row says when more are left as they are. */
export const MAX_IMAGE_FILLS = 4;

/** The visible image fills of a childless layer, topmost first, one per image (the same image twice is one job). */
export function imagePaintsOf(node: SceneNode): ImagePaint[] {
  if ('children' in node && node.children.length > 0) return [];
  if (!('fills' in node) || !Array.isArray(node.fills)) return [];
  const fills = node.fills as readonly { type: string; visible?: boolean }[];
  const paints: ImagePaint[] = [];
  for (let i = fills.length - 1; i >= 0; i--) {
    const paint = fills[i]!;
    if (paint.visible === false || paint.type !== 'IMAGE') continue;
    const hash = (paint as ImagePaint).imageHash;
    if (hash && !paints.some((p) => p.imageHash === hash)) paints.push(paint as ImagePaint);
  }
  return paints;
}

/** The topmost visible image fill of a childless layer, or undefined (then the layer is exported instead). */
export function imagePaintOf(node: SceneNode): ImagePaint | undefined {
  return imagePaintsOf(node)[0];
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

/** One entry of a run: a layer, or one image fill of a layer with several (`<id>#<n>`, named `<name> · image n of m`). */
interface Entry {
  id: string;
  name: string;
  notes: string[];
}

async function describe(host: PluginHost, node: SceneNode, imagePaint: ImagePaint | undefined, entry: Entry): Promise<LayerInfo> {
  const notes = [instanceWarning(node, imagePaint), ...entry.notes].filter((n): n is string => !!n);
  const base = { id: entry.id, name: entry.name, nodeType: node.type, locked: isLocked(node), ...(notes.length ? { warning: notes.join(' · ') } : {}) };
  const image = imagePaint?.imageHash ? host.getImageByHash(imagePaint.imageHash) : null;
  if (image) {
    const { width, height } = await image.getSizeAsync();
    return { ...base, source: 'image', widthPx: width, heightPx: height };
  }
  const bounds = (visibleBounds(node))!;
  return { ...base, source: 'export', widthPx: Math.max(1, Math.round(bounds.width)), heightPx: Math.max(1, Math.round(bounds.height)) };
}

/** The targets of one layer: each of its image fills (up to {@link MAX_IMAGE_FILLS}), or the layer itself to export. */
async function targetsOf(host: PluginHost, node: SceneNode): Promise<Target[]> {
  const paints = imagePaintsOf(node).filter((p) => host.getImageByHash(p.imageHash!));
  if (paints.length === 0) return [{ node, info: await describe(host, node, undefined, { id: node.id, name: node.name, notes: [] }) }];
  const taken = paints.slice(0, MAX_IMAGE_FILLS);
  const left = paints.length - taken.length;
  const skippedNote = left > 0 ? `Only the top ${MAX_IMAGE_FILLS} of its ${paints.length} image fills are upscaled` : '';
  return Promise.all(taken.map(async (imagePaint, k) => {
    const entry: Entry = taken.length === 1
      ? { id: node.id, name: node.name, notes: [skippedNote] }
      : { id: k === 0 ? node.id : `${node.id}#${k + 1}`, name: `${node.name} · image ${k + 1} of ${taken.length}`, notes: k === 0 ? [skippedNote] : [] };
    return { node, imagePaint, info: await describe(host, node, imagePaint, entry) };
  }));
}

/** Reads the current page's selection into targets and skipped layers. */
export async function readSelection(host: PluginHost): Promise<SelectionRead> {
  const targets: Target[] = [];
  const skipped: SkippedLayer[] = [];
  for (const node of topmostSelected(host.currentPage.selection)) {
    const reason = skipReason(node);
    if (reason) skipped.push({ id: node.id, name: node.name, reason });
    else targets.push(...(await targetsOf(host, node)));
  }
  return { targets, skipped };
}

/** The selection as the UI shows it. */
export async function summarizeSelection(host: PluginHost): Promise<SelectionSummary> {
  const { targets, skipped } = await readSelection(host);
  return { layers: targets.map((t) => t.info), skipped };
}
