/** Turning package files into training images: SVGs rendered with sharp (alpha kept), rasters measured and copied as is. */
import sharp from 'sharp';

/** An image ready to write: encoded bytes plus what the manifest records about it. */
export interface PreparedImage {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
  /** True when at least one pixel is not fully opaque. */
  readonly hasAlpha: boolean;
}

/** SVG files above this size are skipped (huge embedded rasters render slowly and are not vector art). */
export const MAX_SVG_BYTES = 4 << 20;

/** Whether an image has an alpha channel with at least one pixel below 255. */
export async function hasTransparency(input: Buffer | string): Promise<boolean> {
  const meta = await sharp(input).metadata();
  if (!meta.hasAlpha) return false;
  const stats = await sharp(input).stats();
  const alpha = stats.channels[stats.channels.length - 1];
  return alpha !== undefined && alpha.min < 255;
}

/** Render an SVG so that its longer side is `size` px, as an RGBA PNG; throws on a failed or fully transparent render. */
export async function renderSvg(svg: Buffer, size: number): Promise<PreparedImage> {
  if (svg.length > MAX_SVG_BYTES) throw new Error(`SVG too large (${svg.length} bytes)`);
  const meta = await sharp(svg).metadata();
  if (!meta.width || !meta.height) throw new Error('SVG without a size');
  const density = Math.min(100_000, Math.max(1, (72 * size) / Math.max(meta.width, meta.height)));
  const landscape = meta.width >= meta.height;
  const { data, info } = await sharp(svg, { density, limitInputPixels: 1 << 28 })
    .resize(landscape ? { width: size } : { height: size })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  let minAlpha = 255;
  let maxAlpha = 0;
  for (let i = 3; i < data.length; i += 4) {
    const a = data[i]!;
    if (a < minAlpha) minAlpha = a;
    if (a > maxAlpha) maxAlpha = a;
  }
  if (maxAlpha === 0) throw new Error('SVG rendered fully transparent');
  const png = await sharp(data, { raw: { width: info.width, height: info.height, channels: 4 } }).png().toBuffer();
  return { data: png, width: info.width, height: info.height, hasAlpha: minAlpha < 255 };
}

/** Width, height and transparency of a raster file, or null when sharp cannot read it. */
export async function measureRaster(file: string): Promise<{ width: number; height: number; hasAlpha: boolean } | null> {
  try {
    const meta = await sharp(file).metadata();
    if (!meta.width || !meta.height) return null;
    return { width: meta.width, height: meta.height, hasAlpha: meta.hasAlpha ? await hasTransparency(file) : false };
  } catch {
    return null;
  }
}
