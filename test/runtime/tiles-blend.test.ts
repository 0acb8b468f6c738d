import { describe, expect, it } from 'vitest';
import { BandAccumulator, edgeRamp } from '../../models/runtime/blend.ts';
import { mapTiles } from '../../models/runtime/map-tiles.ts';
import { planTiles, tileStarts } from '../../models/runtime/tiles.ts';

describe('tileStarts', () => {
  it('covers the axis with equal tiles whose last one ends at the edge', () => {
    for (const [length, tile, overlap] of [[100, 32, 8], [64, 32, 8], [33, 32, 4], [500, 256, 8]] as const) {
      const starts = tileStarts(length, tile, overlap);
      expect(starts[0]).toBe(0);
      expect(starts.at(-1)! + tile).toBe(length);
      for (let i = 1; i < starts.length; i++) {
        expect(starts[i]! - starts[i - 1]!).toBeGreaterThan(0);
        expect(starts[i - 1]! + tile - starts[i]!).toBeGreaterThanOrEqual(overlap); // neighbours share the overlap
      }
    }
  });

  it('uses one tile shrunk to a small image', () => {
    expect(planTiles(20, 10, 256, 8)).toEqual({ width: 20, height: 10, xs: [0], ys: [0] });
  });

  it('refuses an overlap as large as the tile', () => {
    expect(() => tileStarts(100, 8, 8)).toThrow(/overlap/);
  });
});

describe('edgeRamp', () => {
  it('is zero over the margin, rises smoothly and is one inside', () => {
    const w = edgeRamp(64, 16, 4, true, true);
    expect(Array.from(w.slice(0, 4))).toEqual([0, 0, 0, 0]);
    expect(Array.from(w.slice(60))).toEqual([0, 0, 0, 0]);
    expect(w[16]).toBe(1);
    for (let i = 4; i < 12; i++) expect(w[i + 1]!).toBeGreaterThan(w[i]!);
  });

  it('keeps full weight at image edges', () => {
    const w = edgeRamp(32, 8, 2, false, false);
    expect(Array.from(w).every((v) => v === 1)).toBe(true);
  });

  it('gives every pixel of an overlap some weight from one of its two tiles', () => {
    const overlap = 12;
    const margin = 5;
    const left = edgeRamp(40, overlap, margin, false, true);
    const right = edgeRamp(40, overlap, margin, true, false);
    for (let d = 0; d < overlap; d++) expect(left[40 - overlap + d]! + right[d]!).toBeGreaterThan(0);
  });
});

describe('BandAccumulator', () => {
  it('normalises weighted tiles and hands out finished rows in order', () => {
    const acc = new BandAccumulator(4, 3, 1, 2);
    const ones = new Float32Array([1, 1, 1, 1]);
    acc.add(new Float32Array([2, 2, 2, 2, 2, 2, 2, 2]), 0, 0, 0, ones, new Float32Array([1, 1]));
    acc.add(new Float32Array([6, 6, 6, 6]), 0, 0, 1, ones, new Float32Array([3]));
    const rows: [number, number[]][] = [];
    acc.flush(2, (row, values) => rows.push([row, Array.from(values)]));
    acc.add(new Float32Array([5, 5, 5, 5]), 0, 0, 2, ones, new Float32Array([1]));
    acc.flush(3, (row, values) => rows.push([row, Array.from(values)]));
    expect(rows).toEqual([
      [0, [2, 2, 2, 2]],
      [1, [5, 5, 5, 5]], // (2·1 + 6·3) / 4
      [2, [5, 5, 5, 5]],
    ]);
  });

  it('hands out planar rows and whole planes with the same values flush hands out interleaved', () => {
    const tile = Float32Array.from({ length: 2 * 3 * 3 }, (_, i) => (i * 7) % 5);
    const wx = new Float32Array([0.5, 1, 0.25]);
    const wy = new Float32Array([1, 0, 0.75]);
    const base = Float32Array.from({ length: 2 * 4 * 4 }, (_, i) => i % 3);
    const fill = (acc: BandAccumulator) => {
      acc.add(base, 0, 0, 0, new Float32Array([1, 1, 1, 1]), new Float32Array([0.5, 0.5, 0.5, 0.5]));
      acc.add(tile, 0, 0, 0, wx, wy);
      acc.add(tile, 0, 1, 1, wx, new Float32Array([0.5, 1, 2]));
    };
    const interleaved = new BandAccumulator(4, 4, 2, 4);
    fill(interleaved);
    const expected = new Float32Array(2 * 4 * 4);
    interleaved.flush(4, (row, values) => {
      for (let i = 0; i < 4; i++) for (let c = 0; c < 2; c++) expected[(c * 4 + row) * 4 + i] = values[i * 2 + c]!;
    });
    const planar = new BandAccumulator(4, 4, 2, 4);
    fill(planar);
    expect(Array.from(planar.finishPlanes())).toEqual(Array.from(expected));
    const byRow = new BandAccumulator(4, 4, 2, 4);
    fill(byRow);
    const rows = new Float32Array(2 * 4 * 4);
    const emit = (row: number, values: Float32Array) => {
      for (let c = 0; c < 2; c++) rows.set(values.subarray(c * 4, (c + 1) * 4), (c * 4 + row) * 4);
    };
    byRow.flushPlanar(3, emit);
    byRow.flushPlanar(4, emit);
    expect(Array.from(rows)).toEqual(Array.from(expected));
  });

  it('fails loudly when a pixel received no weight', () => {
    const acc = new BandAccumulator(2, 1, 1, 1);
    expect(() => acc.flush(1, () => {})).toThrow(/no tile weight/);
  });
});

describe('mapTiles', () => {
  it('reads every tile into the reused batch buffer, a short last batch included', async () => {
    const [width, height] = [10, 7];
    const image = Float32Array.from({ length: 2 * width * height }, (_, i) => (i * 13) % 17);
    const counts: number[] = [];
    const accumulator = new BandAccumulator(width, height, 2, height);
    await mapTiles({
      width, height, tile: 4, overlap: 1, ratio: 1, inputChannels: 2, channels: 2, batchSize: 2, accumulator,
      read: (x, y, w, h, out, offset) => {
        for (let c = 0; c < 2; c++) for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) out[offset + (c * h + j) * w + i] = image[(c * height + y + j) * width + x + i]!;
      },
      run: async (input, count, h, w) => {
        expect(input.length).toBe(count * 2 * h * w);
        counts.push(count);
        return input.slice(); // identity graph
      },
      weightsX: (_start, length) => new Float32Array(length).fill(1),
      weightsY: (_start, length) => new Float32Array(length).fill(1),
    });
    expect(counts).toEqual([2, 1, 2, 1]); // 3 × 2 tiles in batches of two
    expect(Array.from(accumulator.finishPlanes())).toEqual(Array.from(image));
  });
});
