/** The tiled upscaling loop: tiles → batched model runs → colour fix → smooth blending → output rows. */
import { BandAccumulator, edgeRamp } from './blend.ts';
import { applyColorFix } from './color-fix.ts';
import { throwIfCancelled } from './errors.ts';
import { createRgbaImage, hasTransparency, type RgbaImage } from './image.ts';
import type { ColorFix } from './manifest.ts';
import { resizePlanar } from './resize.ts';
import { readTile, toUnitRange, writeRow } from './tile-io.ts';
import { planTiles, type TileGrid } from './tiles.ts';

/** Runs the model on `count` tiles of 3 × height × width packed in `input`; returns count × 3 × (height·s) × (width·s). */
export type TileRunner = (input: Float32Array, count: number, height: number, width: number) => Promise<Float32Array>;

/** How to tile and post-process; sizes in input pixels. */
export interface TileSettings {
  scale: number;
  tileSize: number;
  overlap: number;
  margin: number;
  /** Tile positions per model run. */
  batchSize: number;
  range: readonly [number, number];
  colorFix: ColorFix;
  signal?: AbortSignal;
  onTile?: (tilesDone: number, tilesTotal: number) => void;
}

interface Position {
  x: number;
  y: number;
}

/** Upscales an image tile by tile; memory beyond the output image is bounded by one band of tile rows. */
export async function upscaleTiles(image: RgbaImage, run: TileRunner, s: TileSettings): Promise<RgbaImage> {
  const withAlpha = hasTransparency(image);
  const grid = planTiles(image.width, image.height, s.tileSize, s.overlap);
  const out = createRgbaImage(image.width * s.scale, image.height * s.scale);
  const acc = new BandAccumulator(out.width, out.height, withAlpha ? 4 : 3, grid.height * s.scale);
  const wxs = new Map(grid.xs.map((x) => [x, axisWeights(x, grid.width, image.width, s)]));
  const total = grid.xs.length * grid.ys.length;
  let done = 0;
  for (const [r, y] of grid.ys.entries()) {
    const wy = axisWeights(y, grid.height, image.height, s);
    const row = grid.xs.map((x) => ({ x, y }));
    for (let b = 0; b < row.length; b += s.batchSize) {
      throwIfCancelled(s.signal);
      const batch = row.slice(b, b + s.batchSize);
      await runBatch(image, batch, grid, withAlpha, run, s, (planes, offset, pos) =>
        acc.add(planes, offset, pos.x * s.scale, pos.y * s.scale, wxs.get(pos.x)!, wy),
      );
      done += batch.length;
      s.onTile?.(done, total);
    }
    const nextTop = grid.ys[r + 1];
    acc.flush(nextTop === undefined ? out.height : nextTop * s.scale, (outRow, values) => writeRow(out, outRow, values, withAlpha));
  }
  return out;
}

function axisWeights(start: number, length: number, imageLength: number, s: TileSettings): Float32Array {
  return edgeRamp(length * s.scale, s.overlap * s.scale, s.margin * s.scale, start > 0, start + length < imageLength);
}

/** Runs one batch of positions (colour, and alpha when present) and hands each position's planes to `add`. */
async function runBatch(
  image: RgbaImage,
  batch: Position[],
  grid: TileGrid,
  withAlpha: boolean,
  run: TileRunner,
  s: TileSettings,
  add: (planes: Float32Array, offset: number, pos: Position) => void,
): Promise<void> {
  const { width: tw, height: th } = grid;
  const perPosition = withAlpha ? 2 : 1;
  const inPlane = 3 * tw * th;
  const input = new Float32Array(batch.length * perPosition * inPlane);
  batch.forEach((p, i) => {
    readTile(image, p.x, p.y, tw, th, 'color', withAlpha, s.range, input, i * perPosition * inPlane);
    if (withAlpha) readTile(image, p.x, p.y, tw, th, 'alpha', false, s.range, input, (i * 2 + 1) * inPlane);
  });
  const output = await run(input, batch.length * perPosition, th, tw);
  const outPlane = tw * s.scale * th * s.scale;
  if (output.length !== batch.length * perPosition * 3 * outPlane) {
    throw new Error(`model returned ${output.length} values, expected ${batch.length * perPosition * 3 * outPlane}`);
  }
  toUnitRange(output, 0, output.length, s.range);
  // per position: colour planes, then (with alpha) the alpha tile, whose first plane follows the colour directly
  batch.forEach((p, i) => {
    const colorOffset = i * perPosition * 3 * outPlane;
    if (s.colorFix !== 'none') {
      const color = output.subarray(colorOffset, colorOffset + 3 * outPlane);
      output.set(fixTileColors(input, i * perPosition * inPlane, color, tw, th, s), colorOffset);
    }
    add(output, colorOffset, p);
  });
}

/** Colour-fixes one output tile against the bicubic upsampling of its input tile. */
function fixTileColors(input: Float32Array, offset: number, color: Float32Array, tw: number, th: number, s: TileSettings): Float32Array {
  const tile = input.slice(offset, offset + 3 * tw * th);
  toUnitRange(tile, 0, tile.length, s.range);
  const height = th * s.scale;
  const width = tw * s.scale;
  const reference = resizePlanar(tile, 3, th, tw, height, width);
  return applyColorFix(s.colorFix, { data: color, channels: 3, height, width }, { data: reference, channels: 3, height, width });
}
