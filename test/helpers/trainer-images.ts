/** Synthetic HR images on disk for trainer data tests: a nested folder of PNG/JPEG/WebP files with some captions. */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

/** Interleaved RGB bytes of a busy synthetic photo-like texture (edges, gradients, fine detail). */
export function texturePixels(width: number, height: number, variant = 0): Uint8Array {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      const ring = Math.sin(Math.hypot(x - width / 3, y - height / 2) / (3 + variant)) * 0.5 + 0.5;
      data[p] = Math.round(255 * ring);
      data[p + 1] = ((x >> 3) + (y >> 3) + variant) % 2 ? 210 : 40;
      data[p + 2] = Math.round((255 * (x + 2 * y)) / (width + 2 * height));
    }
  }
  return data;
}

/** Planar float [3, H, W] version of texturePixels, in [0, 1]. */
export function texturePlanar(width: number, height: number, variant = 0): Float32Array {
  const bytes = texturePixels(width, height, variant);
  const plane = width * height;
  const out = new Float32Array(plane * 3);
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) out[c * plane + i] = (bytes[3 * i + c] as number) / 255;
  return out;
}

/** Write one synthetic image in the format its extension names. */
async function writeImage(file: string, width: number, height: number, variant: number): Promise<void> {
  const image = sharp(texturePixels(width, height, variant), { raw: { width, height, channels: 3 } });
  const ext = path.extname(file);
  const encoded = ext === '.png' ? image.png() : ext === '.webp' ? image.webp({ lossless: true }) : image.jpeg({ quality: 95 });
  await writeFile(file, await encoded.toBuffer());
}

/** A temp folder named `styleName` holding nested images (one smaller than 512) and two captions; returns its path. */
export async function writeImageFolder(styleName = 'watercolour'): Promise<string> {
  const root = path.join(await mkdtemp(path.join(os.tmpdir(), 'tsdsr-data-')), styleName);
  await mkdir(path.join(root, 'b', 'deep'), { recursive: true });
  await writeImage(path.join(root, 'a.png'), 640, 560, 0);
  await writeImage(path.join(root, 'b', 'c.jpg'), 600, 600, 1);
  await writeImage(path.join(root, 'b', 'deep', 'd.webp'), 300, 200, 2);
  await writeImage(path.join(root, 'b', 'e.JPEG'), 520, 700, 3);
  await writeFile(path.join(root, 'a.txt'), 'a red ring on a checkerboard\n');
  await writeFile(path.join(root, 'b', 'deep', 'd.txt'), '  small webp  ');
  await writeFile(path.join(root, 'b', 'notes.md'), 'not an image');
  return root;
}
