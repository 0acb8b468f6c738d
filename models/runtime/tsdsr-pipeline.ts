/**
 * TSD-SR inference, tiled so memory follows the tile size: bicubic upsampling to the output size
 * (computed per window), tiled encoder → latent × scaling factor → denoiser once in Gaussian-blended
 * latent tiles → z − v → ÷ scaling factor → tiled decoder → clamp → colour fix → alpha recombined.
 * The passes run on a canvas larger than the output by a border of edge-replicated context on every
 * side, so the graphs' zero padding never touches the image itself.
 */
import { bleedTransparentColors } from './alpha-bleed.ts';
import { BandAccumulator, edgeRamp } from './blend.ts';
import { ColorFixer } from './color-fix.ts';
import { createRgbaImage, hasTransparency, type RgbaImage } from './image.ts';
import type { ColorFix, LatentSpec } from './manifest.ts';
import { countTiles, mapTiles, type TiledPass } from './map-tiles.ts';
import { clampByte, resizeAlpha } from './resize.ts';
import type { TileRunner } from './upscale-tiles.ts';
import { UpsampledImage } from './upsample-window.ts';

/** Runs a model's `finish` graph: decoded tiles and their reference windows (both in the range) → finished tiles in 0..1. */
export type FinishRunner = (image: Float32Array, reference: Float32Array, count: number, height: number, width: number) => Promise<Float32Array>;

/** The three graphs of a TSD-SR model as tile runners, and the optional finishing graph (used per tile, for the chosen colour fix). */
export interface TsdsrGraphs {
  encoder: TileRunner;
  denoiser: TileRunner;
  decoder: TileRunner;
  finish?: FinishRunner;
}

/** Settings of one run; pixel sizes are in output pixels and rounded to whole latent cells. */
export interface TsdsrSettings {
  scale: number;
  tileSize: number;
  overlap: number;
  margin: number;
  latent: LatentSpec;
  range: readonly [number, number];
  colorFix: ColorFix;
  batchSize: number;
  signal?: AbortSignal;
  onTile?: (tilesDone: number, tilesTotal: number) => void;
  /**
   * Context past each edge of the image in output pixels, in whole latent cells (and patches): the
   * passes see the upsampled image edge-replicated this far, so the convolutions' zero padding lies
   * outside the image. Default 16 latent cells (64 px for a factor-4 latent), at most half the
   * longer output side so small images stay cheap; 0 runs on the image alone.
   */
  borderContext?: number;
  /**
   * How per-tile models upscale the alpha channel of an image with transparency: `model` (default) runs it through
   * the model as a grey image, a second per-tile pass over the tiles with an alpha edge (smooth ramps and soft
   * shadows keep the bicubic result; an image without any alpha edge skips the pass), so antialiased edges are
   * super-resolved like the colour, and hard edges of shapes on transparency are then narrowed to about one output
   * pixel (`alphaEdgeGain`); `bicubic` resamples it. Whole-canvas models always resample it.
   */
  alpha?: 'model' | 'bicubic';
}

/** The context border in output pixels: whole multiples of `align`, at most half the longer output side. */
export function borderContextPx(s: TsdsrSettings, outW: number, outH: number, align: number): number {
  const wanted = Math.max(0, Math.floor((s.borderContext ?? 16 * s.latent.factor) / align) * align);
  return Math.min(wanted, Math.ceil(Math.max(outW, outH) / 2 / align) * align);
}

/** TSD-SR's latent tile weights: a Gaussian over the tile with variance 0.01 of its size squared. */
export function gaussianTileWeights(size: number): Float32Array {
  const mid = (size - 1) / 2;
  return Float32Array.from({ length: size }, (_, x) => Math.exp(-((x - mid) ** 2) / (size * size) / 0.02));
}

/** Planar latent data. */
interface Latent {
  data: Float32Array;
  channels: number;
  height: number;
  width: number;
}

/** Copies the latent window at (x, y) into `out` at `offset`, planar (channels × h × w). */
function crop(l: Latent, x: number, y: number, w: number, h: number, out: Float32Array, offset: number): void {
  const { data, channels, height, width } = l;
  for (let c = 0; c < channels; c++) {
    for (let j = 0; j < h; j++) {
      const src = (c * height + y + j) * width + x;
      const dst = offset + (c * h + j) * w;
      for (let i = 0; i < w; i++) out[dst + i] = data[src + i] as number;
    }
  }
}

/** Runs a pass whose whole output (a latent) is kept, and returns it planar. */
async function latentPass(p: Omit<TiledPass, 'accumulator' | 'afterRow'>): Promise<Latent> {
  const width = Math.round(p.width * p.ratio);
  const height = Math.round(p.height * p.ratio);
  const accumulator = new BandAccumulator(width, height, p.channels, height);
  await mapTiles({ ...p, accumulator });
  return { data: accumulator.finishPlanes(), channels: p.channels, height, width };
}

/** Replaces latent row `row` of z (scaled) with (z − v) ÷ scalingFactor, given v's row planar. */
function subtractVelocity(z: Latent, row: number, v: Float32Array, scalingFactor: number): void {
  const { data, channels, height, width } = z;
  for (let c = 0; c < channels; c++) {
    const dst = (c * height + row) * width;
    const src = c * width;
    for (let i = 0; i < width; i++) data[dst + i] = ((data[dst + i] as number) - (v[src + i] as number)) / scalingFactor;
  }
}

const multipleOf = (v: number, f: number): number => Math.max(f, Math.floor(v / f) * f);

/** Upscales an image with a TSD-SR model's three graphs. */
export async function upscaleTsdsr(image: RgbaImage, graphs: TsdsrGraphs, s: TsdsrSettings): Promise<RgbaImage> {
  const { factor: f } = s.latent;
  const outW = Math.round(image.width * s.scale);
  const outH = Math.round(image.height * s.scale);
  const align = f * (s.latent.multiple ?? 1); // the canvas is in whole latent cells (and whole patches)
  // canvas pixel (x, y) is output pixel (x − border, y − border); the right and bottom are padded further to `align`
  const border = borderContextPx(s, outW, outH, align);
  const [pw, ph] = [Math.ceil((outW + 2 * border) / align) * align, Math.ceil((outH + 2 * border) / align) * align];
  const tile = multipleOf(s.tileSize, s.latent.perTile ? align : f);
  const overlap = Math.min(Math.floor(s.overlap / f) * f, tile - f);
  const margin = Math.min(Math.floor(s.margin / f) * f, Math.max(0, Math.floor((overlap - 1) / (2 * f)) * f));
  const withAlpha = hasTransparency(image);
  const upsampled = new UpsampledImage(withAlpha ? bleedTransparentColors(image) : image, outW, outH, s.latent.cubicA, withAlpha);
  const canvas: Canvas = { upsampled, border, width: pw, height: ph, tile, overlap, margin };
  const out = createRgbaImage(outW, outH);
  const alphaByModel = s.latent.perTile === true && withAlpha && (s.alpha ?? 'model') === 'model' && hasAlphaEdge(image);
  const alpha = withAlpha && !alphaByModel ? resizeAlpha(image, outW, outH) : undefined;
  // canvas rows and interleaved RGB values from the canvas's first column → output rows
  const onCanvas = (write: (row: number, values: Float32Array) => void) => (row: number, values: Float32Array) => write(row - border, values.subarray(3 * border));
  const writeColour = onCanvas((row, values) => writeRow(out, alpha, row, values));
  if (!s.latent.perTile) {
    await wholeCanvasPasses(canvas, graphs, s, writeColour);
    return out;
  }
  const total = (alphaByModel ? 2 : 1) * countTiles(pw, ph, tile, overlap);
  let done = 0;
  const onTile = () => s.onTile?.(++done, total);
  await perTilePass(canvas, graphs, s, onTile, writeColour);
  if (alphaByModel) {
    const grey = new UpsampledImage(alphaAsGrey(image), outW, outH, s.latent.cubicA);
    const edges = { mask: hardAlphaEdges(image), width: image.width, height: image.height, gain: alphaEdgeGain(s.scale) };
    await perTilePass({ ...canvas, upsampled: grey }, graphs, s, onTile, onCanvas((row, values) => writeAlphaRow(out, row, values, edges)), isSmoothAlpha(s.range));
  }
  return out;
}

/**
 * Whether any two neighbouring pixels' alphas differ by more than 4 levels. Without such a step the alpha pass
 * would keep the bicubic result on every tile (upsampling ×2 or more, steps shrink below ALPHA_EDGE_STEP), so
 * smooth ramps and soft shadows skip it and are resampled directly.
 */
function hasAlphaEdge(image: RgbaImage): boolean {
  const { data, width, height } = image;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4 + 3;
      const a = data[p] as number;
      if ((x + 1 < width && Math.abs((data[p + 4] as number) - a) > 4) || (y + 1 < height && Math.abs((data[p + 4 * width] as number) - a) > 4)) return true;
    }
  }
  return false;
}

/**
 * Input pixels on a hard alpha edge: their 3 × 3 neighbourhood holds both a (nearly) transparent pixel (α ≤ 5) and
 * a (nearly) opaque one (α ≥ 250), the edge of a shape drawn on transparency. Soft shadows, glows and thin strokes
 * that never reach full opacity are not on one, and keep the model's alpha as it is.
 */
export function hardAlphaEdges(image: RgbaImage): Uint8Array {
  const { data, width, height } = image;
  const mask = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let [lo, hi] = [255, 0];
      for (let dy = -1; dy <= 1; dy++) {
        const yy = Math.min(height - 1, Math.max(0, y + dy));
        for (let dx = -1; dx <= 1; dx++) {
          const a = data[(yy * width + Math.min(width - 1, Math.max(0, x + dx))) * 4 + 3] as number;
          if (a < lo) lo = a;
          if (a > hi) hi = a;
        }
      }
      mask[y * width + x] = lo <= 5 && hi >= 250 ? 1 : 0;
    }
  }
  return mask;
}

/**
 * The contrast the alpha pass's result gets around ½ on hard alpha edges: 0.5 + scale / 2, from 1 (none) up to 3.
 * The model, trained on colour, draws an alpha edge about as wide as an input pixel's antialiasing upsampled; an
 * edge drawn on transparency is one output pixel wide. Measured on data/val's icons (bicubic LR, 34 images with
 * transparency, docs/quality.md): gains 1.5 / 2 / 2.5 at ×2 / ×3 / ×4 halve the alpha-edge error at ×3 and ×4 and
 * lift PSNR-Y over white by 0.9–2 dB.
 */
export function alphaEdgeGain(scale: number): number {
  return Math.min(3, Math.max(1, 0.5 + scale / 2));
}

/** Hard alpha edges of the input (`hardAlphaEdges`) and the contrast their output pixels get. */
interface AlphaEdges {
  mask: Uint8Array;
  width: number;
  height: number;
  gain: number;
}

/** The alpha channel of an image as an opaque grey image (r = g = b = α). */
function alphaAsGrey(image: RgbaImage): RgbaImage {
  const grey = createRgbaImage(image.width, image.height);
  for (let p = 0; p < grey.data.length; p += 4) {
    const a = image.data[p + 3] as number;
    grey.data[p] = a;
    grey.data[p + 1] = a;
    grey.data[p + 2] = a;
    grey.data[p + 3] = 255;
  }
  return grey;
}

/** The padded canvas the passes run on, and its tiling in canvas pixels. */
interface Canvas {
  upsampled: UpsampledImage;
  /** Canvas pixels before the image's first row and column. */
  border: number;
  width: number;
  height: number;
  tile: number;
  overlap: number;
  margin: number;
}

/** Blend ramps in output cells for tiles along an axis of `size` input cells, `ratio` output cells per input cell. */
const ramps = (size: number, ratio: number, rampOverlap: number, rampMargin: number) => (start: number, length: number) =>
  edgeRamp(Math.round(length * ratio), rampOverlap, rampMargin, start > 0, start + length < size);

/**
 * Three whole-canvas passes, as TSD-SR's tiled inference: blended encoder tiles into the whole latent, the
 * denoiser in Gaussian-blended latent tiles (z − v in place), then blended decoder tiles, colour-fixed per tile.
 */
async function wholeCanvasPasses(c: Canvas, graphs: TsdsrGraphs, s: TsdsrSettings, writeOutput: (row: number, values: Float32Array) => void): Promise<void> {
  const { factor: f, channels, scalingFactor } = s.latent;
  const { width: pw, height: ph, tile, overlap, margin, upsampled, border } = c;
  const lt = s.latent.tile;
  const total = countTiles(pw, ph, tile, overlap) + countTiles(pw / f, ph / f, lt.size, lt.overlap) + countTiles(pw / f, ph / f, tile / f, overlap / f);
  let done = 0;
  const common = { batchSize: s.batchSize, signal: s.signal, onTile: () => s.onTile?.(++done, total) };
  const z = await latentPass({ ...common, width: pw, height: ph, tile, overlap, ratio: 1 / f, inputChannels: 3, channels, run: graphs.encoder,
    read: (x, y, w, h, buffer, offset) => upsampled.window(x - border, y - border, w, h, s.range, buffer, offset), weightsX: ramps(pw, 1 / f, overlap / f, margin / f), weightsY: ramps(ph, 1 / f, overlap / f, margin / f) });
  const zData = z.data;
  if (scalingFactor !== 1) for (let i = 0; i < zData.length; i++) zData[i]! *= scalingFactor;
  const gaussian = (_start: number, length: number) => gaussianTileWeights(length);
  // v is blended in a band of latent tile rows; rows no later tile reads become z − v in place
  const v = new BandAccumulator(z.width, z.height, channels, lt.size);
  await mapTiles({ ...common, width: z.width, height: z.height, tile: lt.size, overlap: lt.overlap, ratio: 1, inputChannels: channels, channels, run: graphs.denoiser,
    read: (x, y, w, h, buffer, offset) => crop(z, x, y, w, h, buffer, offset), weightsX: gaussian, weightsY: gaussian, accumulator: v,
    afterRow: (nextTop) => v.flushPlanar(nextTop, (row, values) => subtractVelocity(z, row, values, scalingFactor)) });

  const accumulator = new BandAccumulator(pw, ph, 3, tile);
  const finish = new TileFinisher(s);
  await mapTiles({ ...common, width: z.width, height: z.height, tile: tile / f, overlap: overlap / f, ratio: f, inputChannels: channels, channels: 3, run: graphs.decoder,
    read: (x, y, w, h, buffer, offset) => crop(z, x, y, w, h, buffer, offset), weightsX: ramps(z.width, f, overlap, margin), weightsY: ramps(z.height, f, overlap, margin), accumulator,
    transform: (planes, x, y, w, h) => finish.tile(planes, w * f, h * f, (reference) => upsampled.window(x * f - border, y * f - border, w * f, h * f, [0, 1], reference)),
    afterRow: (nextTop) => accumulator.flush(nextTop * f, writeOutput) });
}

/**
 * Encoder, denoiser and decoder back to back on each canvas tile, only the finished tiles blended (`latent.perTile`).
 * The tile's input window, mapped to 0..1, is its colour-fix reference, so each window is upsampled once. A tile
 * that `keepsBicubic` (by default: one flat colour) skips the graphs: its upsampled input is its result.
 */
async function perTilePass(c: Canvas, graphs: TsdsrGraphs, s: TsdsrSettings, onTile: () => void, writeOutput: (row: number, values: Float32Array) => void,
  keepsBicubic: (tile: Float32Array, w: number) => boolean = isFlat): Promise<void> {
  const { width: pw, height: ph, tile, overlap, margin, upsampled, border } = c;
  const [lo, hi] = s.range;
  const span = hi - lo;
  let inputs = new Float32Array(0); // the batch's input windows: the flat tiles' results and the colour-fix references
  const run: TileRunner = async (input, count, h, w) => {
    if (inputs.length !== input.length) inputs = new Float32Array(input.length);
    inputs.set(input);
    const size = input.length / count;
    const varied = Array.from({ length: count }, (_, i) => i).filter((i) => !keepsBicubic(inputs.subarray(i * size, (i + 1) * size), w));
    let decoded: Float32Array;
    if (varied.length === count) {
      decoded = await runGraphs(graphs, s, input, count, h, w);
    } else {
      decoded = inputs.slice(); // the tiles that keep bicubic are their own result
      if (varied.length > 0) {
        const batch = new Float32Array(varied.length * size);
        varied.forEach((t, k) => batch.set(inputs.subarray(t * size, (t + 1) * size), k * size));
        const result = await runGraphs(graphs, s, batch, varied.length, h, w);
        varied.forEach((t, k) => decoded.set(result.subarray(k * size, (k + 1) * size), t * size));
      }
    }
    if (!graphs.finish) return decoded;
    return varied.length > 0 ? graphs.finish(decoded, inputs, count, h, w) : toUnitRange(decoded, s.range); // the fix of x against itself is x
  };
  const accumulator = new BandAccumulator(pw, ph, 3, tile);
  const finish = new TileFinisher(s);
  await mapTiles({ batchSize: s.batchSize, signal: s.signal, onTile,
    width: pw, height: ph, tile, overlap, ratio: 1, inputChannels: 3, channels: 3, run,
    read: (x, y, w, h, buffer, offset) => upsampled.window(x - border, y - border, w, h, s.range, buffer, offset),
    weightsX: ramps(pw, 1, overlap, margin), weightsY: ramps(ph, 1, overlap, margin), accumulator,
    transform: graphs.finish ? undefined : (planes, _x, _y, w, h, index) => finish.tile(planes, w, h, (reference) => {
      const from = index * reference.length;
      for (let k = 0; k < reference.length; k++) reference[k] = ((inputs[from + k] as number) - lo) / span;
    }),
    afterRow: (nextTop) => accumulator.flush(nextTop, writeOutput) });
}

/** Spread below which a tile counts as flat: float rounding of bicubic weights, far below one 8-bit level. */
const FLAT_SPREAD = 1e-5;

/** Whether each of the three planes of a tile lies within FLAT_SPREAD. */
function isFlat(tile: Float32Array): boolean {
  const plane = tile.length / 3;
  for (let c = 0; c < 3; c++) {
    let [min, max] = [Infinity, -Infinity];
    for (let k = c * plane; k < (c + 1) * plane; k++) {
      const v = tile[k] as number;
      if (v < min) min = v;
      if (v > max) max = v;
      if (max - min > FLAT_SPREAD) return false;
    }
  }
  return true;
}

/**
 * Largest step between neighbouring pixels of an upsampled alpha window (grey planes in the range, as a share of
 * the range) below which the alpha pass keeps the bicubic result: smooth ramps and soft shadows, where the model
 * has no edge to sharpen. An antialiased edge upsampled ×4 steps by a quarter of the range or more.
 */
const ALPHA_EDGE_STEP = 4 / 255;

/** Whether a grey alpha tile (its first plane, `width` wide) has no step above ALPHA_EDGE_STEP between neighbours. */
function isSmoothAlpha(range: readonly [number, number]): (tile: Float32Array, width: number) => boolean {
  const limit = ALPHA_EDGE_STEP * (range[1] - range[0]);
  return (tile, width) => {
    const plane = tile.length / 3;
    for (let k = 0; k < plane - width; k++) {
      const v = tile[k] as number;
      if (Math.abs((tile[k + width] as number) - v) > limit || ((k + 1) % width !== 0 && Math.abs((tile[k + 1] as number) - v) > limit)) return false;
    }
    return true;
  };
}

/** Encoder → × scaling factor → denoiser → z − v → ÷ scaling factor → decoder, on `count` image tiles (h × w, in the range). */
async function runGraphs(graphs: TsdsrGraphs, s: TsdsrSettings, input: Float32Array, count: number, h: number, w: number): Promise<Float32Array> {
  const { factor: f, scalingFactor } = s.latent;
  const z = await graphs.encoder(input, count, h, w);
  for (let i = 0; i < z.length; i++) z[i]! *= scalingFactor;
  const scaled = z.slice(); // the runner may take z away
  const v = await graphs.denoiser(z, count, h / f, w / f);
  if (v.length !== scaled.length) throw new Error(`denoiser returned ${v.length} values, expected ${scaled.length}`);
  for (let i = 0; i < scaled.length; i++) scaled[i] = ((scaled[i] as number) - (v[i] as number)) / scalingFactor;
  return graphs.decoder(scaled, count, h / f, w / f);
}

/** Clamps values to `range` and maps them onto 0..1, in place. */
function toUnitRange(values: Float32Array, [lo, hi]: readonly [number, number]): Float32Array {
  const span = hi - lo;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    values[i] = ((v < lo ? lo : v > hi ? hi : v) - lo) / span;
  }
  return values;
}

/** Finishes decoded tiles in place: clamp to the range, map to 0..1, colour-fix against the upsampled input. */
class TileFinisher {
  private readonly fixer: ColorFixer;
  /** The reference window, reused between tiles of one size. */
  private reference = new Float32Array(0);

  constructor(private readonly s: TsdsrSettings) {
    this.fixer = new ColorFixer(s.colorFix);
  }

  /** Finishes the decoded planes (3 × h × w) of one tile; `readReference` fills its upsampled input window (0..1, planar). */
  tile(planes: Float32Array, w: number, h: number, readReference: (out: Float32Array) => void): Float32Array {
    toUnitRange(planes, this.s.range);
    if (this.s.colorFix === 'none') return planes;
    if (this.reference.length !== 3 * w * h) this.reference = new Float32Array(3 * w * h);
    readReference(this.reference);
    this.fixer.fixInPlace({ data: planes, channels: 3, height: h, width: w }, { data: this.reference, channels: 3, height: h, width: w });
    return planes;
  }
}

/** Writes output row `row` from interleaved RGB values starting at its first pixel; rows outside the image are dropped. */
function writeRow(out: RgbaImage, alpha: Uint8Array | undefined, row: number, values: Float32Array): void {
  if (row < 0 || row >= out.height) return;
  const width = out.width;
  for (let i = 0; i < width; i++) {
    const p = (row * width + i) * 4;
    for (let c = 0; c < 3; c++) out.data[p + c] = clampByte((values[i * 3 + c] as number) * 255);
    out.data[p + 3] = alpha ? (alpha[row * width + i] as number) : 255;
  }
}

/**
 * Writes output row `row`'s alpha from interleaved grey RGB values (0..1, their mean) starting at its first pixel;
 * pixels over a hard alpha edge of the input get `edges.gain` times the contrast around ½.
 */
function writeAlphaRow(out: RgbaImage, row: number, values: Float32Array, edges: AlphaEdges): void {
  if (row < 0 || row >= out.height) return;
  const width = out.width;
  const edgeRow = Math.min(edges.height - 1, Math.floor((row * edges.height) / out.height)) * edges.width;
  for (let i = 0; i < width; i++) {
    let v = ((values[i * 3] as number) + (values[i * 3 + 1] as number) + (values[i * 3 + 2] as number)) / 3;
    if (edges.gain !== 1 && edges.mask[edgeRow + Math.min(edges.width - 1, Math.floor((i * edges.width) / width))] === 1) v = 0.5 + edges.gain * (v - 0.5);
    out.data[(row * width + i) * 4 + 3] = clampByte(v * 255);
  }
}
