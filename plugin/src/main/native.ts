/**
 * Text and vector layers need no model: Figma itself renders them at any scale, exactly. Their result is Figma's own
 * PNG export at the run's scale, placed like any other result, without a trip to the bridge. Frames, groups and
 * components still go to the model at 1× (see plugin/README.md: the bridge is given one scale per run, and 3× cannot
 * be split into an export scale and a model scale that are both whole).
 */
import type { SceneNode } from '../figma.ts';
import type { ResultImage } from '../messages.ts';
import { pngSize } from '../png.ts';
import { FIGMA_MAX_IMAGE_SIDE } from '../settings.ts';
import { visibleBounds } from './host.ts';
import type { Target } from './selection.ts';
import type { LayerPixels } from './source.ts';

/** Layer types Figma draws from vectors: exported at the target scale, they are as sharp as they can be. */
export const VECTOR_TYPES: ReadonlySet<string> = new Set([
  'TEXT', 'VECTOR', 'LINE', 'STAR', 'POLYGON', 'ELLIPSE', 'BOOLEAN_OPERATION',
]);

/** True when the layer is text or a vector shape without image fills. */
export function isVectorLayer(node: SceneNode, hasImageFill: boolean): boolean {
  return VECTOR_TYPES.has(node.type) && !hasImageFill;
}

/** Figma's export of a vector target at `scale`, as pixels read and as a result; undefined for other targets or over 4096 px. */
export async function nativeResult(target: Target, scale: number): Promise<{ pixels: LayerPixels; image: ResultImage } | undefined> {
  if (target.imagePaint || !isVectorLayer(target.node, false)) return undefined;
  const bounds = visibleBounds(target.node);
  if (!bounds || Math.max(bounds.width, bounds.height) * scale > FIGMA_MAX_IMAGE_SIDE) return undefined;
  const bytes = await target.node.exportAsync({ format: 'PNG', constraint: { type: 'SCALE', value: scale } });
  const size = pngSize(bytes);
  if (!size) throw new Error('Figma did not return a PNG for this layer');
  return {
    pixels: { bytes, width: Math.max(1, Math.round(bounds.width)), height: Math.max(1, Math.round(bounds.height)), source: 'export' },
    image: { ...size, tiles: [{ x: 0, y: 0, ...size, bytes }] },
  };
}
