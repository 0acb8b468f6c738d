/** JPEG compression artifacts through a real encoder (libjpeg via sharp). */
import sharp from 'sharp';
import { fromInterleavedRgb8, toInterleavedRgb8, type PlanarImage } from './image.ts';

/** Encode as JPEG at the given quality (rounded to an integer in 1..100) and decode back; the input is clamped to [0, 1]. */
export async function jpegRoundTrip(image: PlanarImage, quality: number, chromaSubsampling: '4:2:0' | '4:4:4' = '4:2:0'): Promise<PlanarImage> {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const { width, height } = image;
  const encoded = await sharp(toInterleavedRgb8(image), { raw: { width, height, channels: 3 } })
    .jpeg({ quality: q, chromaSubsampling, mozjpeg: false })
    .toBuffer();
  const decoded = await sharp(encoded).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (decoded.info.width !== width || decoded.info.height !== height || decoded.info.channels !== 3) {
    throw new Error(`JPEG round trip changed the image shape to ${decoded.info.width}x${decoded.info.height}x${decoded.info.channels}`);
  }
  return fromInterleavedRgb8(decoded.data, width, height);
}
