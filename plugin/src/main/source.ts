/** Reading a layer's pixels for the bridge: the original image of an image fill, or a 1× PNG export of anything else. */
import { bridgeImageFormat, pngSize } from '../png.ts';
import type { PluginHost } from './host.ts';
import type { Target } from './selection.ts';

/** The pixels sent to the bridge for one layer. */
export interface LayerPixels {
  bytes: Uint8Array;
  width: number;
  height: number;
  /** `image`: the fill's original file; `export`: the layer rendered at 1×. */
  source: 'image' | 'export';
  /** The image fill's hash when `source` is `image`. */
  imageHash?: string;
}

async function exportAtOneX(target: Target): Promise<LayerPixels> {
  const bytes = await target.node.exportAsync({ format: 'PNG', constraint: { type: 'SCALE', value: 1 } });
  const size = pngSize(bytes);
  if (!size) throw new Error('Figma did not return a PNG for this layer');
  return { bytes, ...size, source: 'export' };
}

/**
 * The layer's pixels. An image fill sends its original file (full resolution, not the on-screen size) unless the file
 * is in a format the bridge cannot read (GIF), in which case the layer is exported like any other.
 */
export async function readLayerPixels(host: PluginHost, target: Target): Promise<LayerPixels> {
  const hash = target.imagePaint?.imageHash;
  const image = hash ? host.getImageByHash(hash) : null;
  if (!hash || !image) return exportAtOneX(target);
  const bytes = await image.getBytesAsync();
  if (!bridgeImageFormat(bytes)) return exportAtOneX(target);
  const { width, height } = await image.getSizeAsync();
  return { bytes, width, height, source: 'image', imageHash: hash };
}
