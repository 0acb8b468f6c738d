/**
 * The load bench's inputs and the check of its results: each job gets an image of its own size and colour, so a result
 * delivered to the wrong job (or connection) shows in its dimensions or its mean colour.
 */
import sharp, { type OutputInfo } from 'sharp';

/** One job's input and what its result must look like. */
export interface JobImage {
  /** Global job number; picks the size and colour. */
  index: number;
  png: Buffer;
  widthPx: number;
  heightPx: number;
  /** Mean R, G, B of the input (0–255); an upscale keeps it within a few levels. */
  meanRgb: [number, number, number];
}

/** Seven levels per channel, 36 apart: 343 colours, far enough apart that a result can only match its own. */
const LEVELS = [20, 56, 92, 128, 164, 200, 236] as const;
/** Contrast of the 8 px checkerboard laid over each job's colour, so the model has edges to work on. */
const CHECKER_AMPLITUDE = 16;

/** The base colour of job `index` (repeats after 343 jobs; the size then still differs from its neighbours'). */
export function jobColour(index: number): [number, number, number] {
  const k = index % LEVELS.length ** 3;
  return [LEVELS[k % 7]!, LEVELS[Math.floor(k / 7) % 7]!, LEVELS[Math.floor(k / 49)]!];
}

/** Width and height of job `index`, each in [minPx, maxPx], varying with the index along two different strides. */
export function jobSize(index: number, minPx: number, maxPx: number): [number, number] {
  const range = maxPx - minPx + 1;
  return [minPx + ((index * 7) % range), minPx + ((index * 13 + 5) % range)];
}

/** Builds the PNG of job `index`: its colour with a checkerboard over it, opaque. */
export async function makeJobImage(index: number, minPx: number, maxPx: number): Promise<JobImage> {
  const [widthPx, heightPx] = jobSize(index, minPx, maxPx);
  const colour = jobColour(index);
  const data = Buffer.alloc(widthPx * heightPx * 3);
  const sums = [0, 0, 0];
  for (let y = 0; y < heightPx; y++) {
    for (let x = 0; x < widthPx; x++) {
      const offset = ((x >> 3) + (y >> 3)) % 2 ? CHECKER_AMPLITUDE : -CHECKER_AMPLITUDE;
      for (let c = 0; c < 3; c++) {
        const value = colour[c]! + offset;
        data[(y * widthPx + x) * 3 + c] = value;
        sums[c]! += value;
      }
    }
  }
  const png = await sharp(data, { raw: { width: widthPx, height: heightPx, channels: 3 } }).png().toBuffer();
  const pixels = widthPx * heightPx;
  return { index, png, widthPx, heightPx, meanRgb: [sums[0]! / pixels, sums[1]! / pixels, sums[2]! / pixels] };
}

/** The result size the bridge must answer for an input, as the protocol defines it. */
export function expectedSize(image: JobImage, scale: number): [number, number] {
  return [Math.round(image.widthPx * scale), Math.round(image.heightPx * scale)];
}

/**
 * Checks a result PNG against its job: the size in the result message and in the PNG itself, and a mean colour within
 * `tolerance` levels of the input's. Returns the problem, or undefined when the result is this job's.
 */
export async function resultProblem(
  png: Buffer, reported: { width: number; height: number }, image: JobImage, scale: number, tolerance: number,
): Promise<string | undefined> {
  const [width, height] = expectedSize(image, scale);
  if (reported.width !== width || reported.height !== height) {
    return `reported ${reported.width}x${reported.height}, expected ${width}x${height}`;
  }
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    return `result is not a readable PNG (${err instanceof Error ? err.message : String(err)})`;
  }
  const { data, info } = decoded;
  if (info.width !== width || info.height !== height) return `PNG is ${info.width}x${info.height}, expected ${width}x${height}`;
  const sums = [0, 0, 0];
  for (let i = 0; i < data.length; i += info.channels) for (let c = 0; c < 3; c++) sums[c]! += data[i + c]!;
  const mean = sums.map((s) => s / (width * height));
  const off = Math.max(...mean.map((m, c) => Math.abs(m - image.meanRgb[c]!)));
  if (off > tolerance) {
    return `mean colour ${mean.map((m) => m.toFixed(1)).join(',')} is ${off.toFixed(1)} levels from job ${image.index}'s`;
  }
  return undefined;
}
