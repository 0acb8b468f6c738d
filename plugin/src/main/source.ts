/**
 * Reading a layer's pixels for the bridge: the original image of an image fill (a GIF's first frame, decoded here, as
 * the bridge cannot read GIF), or a 1× PNG export of anything else.
 */
import { decodeGifFirstFrame, isGif } from '../gif.ts';
import { bridgeImageFormat, pngSize } from '../png.ts';
import { encodePng } from '../png-encode.ts';
import type { PluginHost } from './host.ts';
import type { Target } from './selection.ts';

/** The pixels sent to the bridge for one layer. */
export interface LayerPixels {
  bytes: Uint8Array;
  width: number;
  height: number;
  /** `image`: the fill's original pixels, at the image's own size; `export`: the layer rendered at 1×. */
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

/** A GIF's first frame as PNG, or undefined when it cannot be decoded. */
function gifFirstFrame(bytes: Uint8Array): { bytes: Uint8Array; width: number; height: number } | undefined {
  try {
    const frame = decodeGifFirstFrame(bytes);
    return { bytes: encodePng(frame), width: frame.width, height: frame.height };
  } catch {
    return undefined;
  }
}

/**
 * The layer's pixels. An image fill sends its original file (full resolution, not the on-screen size); a GIF sends its
 * first frame at its own size, as PNG. Only a file the plugin cannot read is exported like any other layer.
 */
export async function readLayerPixels(host: PluginHost, target: Target): Promise<LayerPixels> {
  const hash = target.imagePaint?.imageHash;
  const image = hash ? host.getImageByHash(hash) : null;
  if (!hash || !image) return exportAtOneX(target);
  const bytes = await image.getBytesAsync();
  if (bridgeImageFormat(bytes)) {
    const { width, height } = await image.getSizeAsync();
    return { bytes, width, height, source: 'image', imageHash: hash };
  }
  const frame = isGif(bytes) ? gifFirstFrame(bytes) : undefined;
  return frame ? { ...frame, source: 'image', imageHash: hash } : exportAtOneX(target);
}
