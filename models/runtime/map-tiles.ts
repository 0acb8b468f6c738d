/** One tiled pass of a graph over planar data: read a tile, run batches, blend the outputs into an accumulator. */
import type { BandAccumulator } from './blend.ts';
import { throwIfCancelled } from './errors.ts';
import { planTiles } from './tiles.ts';
import type { TileRunner } from './upscale-tiles.ts';

/** A tiled pass; sizes of the input grid in input cells, of the output in output cells (`ratio` × input). */
export interface TiledPass {
  width: number;
  height: number;
  tile: number;
  overlap: number;
  /** Output cells per input cell along each axis (1/8 for an encoder, 8 for a decoder). */
  ratio: number;
  /** Input planes per tile. */
  inputChannels: number;
  /** Writes the input planes (inputChannels × h × w) of the tile at (x, y) into `out` at `offset`. */
  read: (x: number, y: number, w: number, h: number, out: Float32Array, offset: number) => void;
  run: TileRunner;
  /** Output channel count per tile. */
  channels: number;
  /** Blend weights along x and y for a tile starting at input cell `start` of `length` cells. */
  weightsX: (start: number, length: number) => Float32Array;
  weightsY: (start: number, length: number) => Float32Array;
  /** Post-processes one tile's output planes in place (colour fix), given its input position and its index in the batch run. */
  transform?: (planes: Float32Array, x: number, y: number, w: number, h: number, batchIndex: number) => Float32Array;
  accumulator: BandAccumulator;
  /** Called after each tile row with the first input row the next tile row needs (the height at the end). */
  afterRow?: (nextTop: number) => void;
  batchSize: number;
  signal?: AbortSignal;
  onTile?: () => void;
}

/** Number of tiles a pass will run. */
export function countTiles(width: number, height: number, tile: number, overlap: number): number {
  const grid = planTiles(width, height, tile, overlap);
  return grid.xs.length * grid.ys.length;
}

/** Runs a tiled pass to the end. */
export async function mapTiles(p: TiledPass): Promise<void> {
  const grid = planTiles(p.width, p.height, p.tile, p.overlap);
  const outW = Math.round(grid.width * p.ratio);
  const outH = Math.round(grid.height * p.ratio);
  const outSize = p.channels * outW * outH;
  const inSize = p.inputChannels * grid.width * grid.height;
  const batchSize = Math.min(p.batchSize, grid.xs.length);
  let batch = new Float32Array(batchSize * inSize); // reused by every batch of the pass
  for (const [r, y] of grid.ys.entries()) {
    const wy = p.weightsY(y, grid.height);
    for (let b = 0; b < grid.xs.length; b += p.batchSize) {
      throwIfCancelled(p.signal);
      const xs = grid.xs.slice(b, b + p.batchSize);
      if (batch.length === 0) batch = new Float32Array(batchSize * inSize); // a runner that transferred it away
      xs.forEach((x, i) => p.read(x, y, grid.width, grid.height, batch, i * inSize));
      const input = xs.length === batchSize ? batch : batch.subarray(0, xs.length * inSize);
      const output = await p.run(input, xs.length, grid.height, grid.width);
      if (output.length !== xs.length * outSize) throw new Error(`graph returned ${output.length} values, expected ${xs.length * outSize}`);
      xs.forEach((x, i) => {
        let planes = output.subarray(i * outSize, (i + 1) * outSize);
        if (p.transform) planes = p.transform(planes, x, y, grid.width, grid.height, i);
        p.accumulator.add(planes, 0, Math.round(x * p.ratio), Math.round(y * p.ratio), p.weightsX(x, grid.width), wy);
        p.onTile?.();
      });
    }
    p.afterRow?.(grid.ys[r + 1] ?? p.height);
  }
}
