/**
 * Blending overlapping output tiles. Each tile's weight falls smoothly to zero towards an edge it
 * shares with a neighbour, and is exactly zero over the `margin` the model cannot see past, so
 * pixels computed without full context never reach the result and tiled output equals untiled output.
 */

/**
 * Weights along one axis of a tile of `length` output pixels. `overlap` and `margin` are in output
 * pixels; `rampStart`/`rampEnd` say whether that edge meets a neighbouring tile (image edges keep weight 1).
 */
export function edgeRamp(length: number, overlap: number, margin: number, rampStart: boolean, rampEnd: boolean): Float32Array {
  const weights = new Float32Array(length).fill(1);
  const span = overlap - 2 * margin; // pixels over which the weight rises from 0 to 1
  const rise = (d: number): number => {
    if (d < margin) return 0;
    if (d >= margin + span) return 1;
    return 0.5 - 0.5 * Math.cos((Math.PI * (d - margin + 0.5)) / span);
  };
  for (let d = 0; d < Math.min(length, overlap); d++) {
    if (rampStart) weights[d] = (weights[d] ?? 1) * rise(d);
    if (rampEnd) weights[length - 1 - d] = (weights[length - 1 - d] ?? 1) * rise(d);
  }
  return weights;
}

/**
 * Accumulates weighted tiles for a band of output rows, so memory grows with the tile height times
 * the image width rather than with the image. Rows above the band are finished and handed out.
 */
export class BandAccumulator {
  /** Sums of weight × value, `channels` planes of `capacity` rows. */
  private readonly sums: Float32Array;
  private readonly weights: Float32Array;
  /** The output row held in band row 0. */
  private top = 0;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly channels: number,
    readonly capacity: number,
  ) {
    this.sums = new Float32Array(channels * capacity * width);
    this.weights = new Float32Array(capacity * width);
  }

  /**
   * Adds one planar tile (`channels` planes of tileHeight × tileWidth, `planeOffset` into `data`)
   * at output position (x, y) with separable weights.
   */
  add(data: Float32Array, planeOffset: number, x: number, y: number, wx: Float32Array, wy: Float32Array): void {
    const tw = wx.length;
    const th = wy.length;
    const row0 = y - this.top;
    if (row0 < 0 || row0 + th > this.capacity) throw new RangeError(`tile rows ${y}..${y + th} outside the band at ${this.top}`);
    const plane = this.capacity * this.width;
    const w = new Float32Array(tw);
    for (let j = 0; j < th; j++) {
      const wrow = wy[j] as number;
      if (wrow === 0) continue;
      for (let i = 0; i < tw; i++) w[i] = wrow * (wx[i] as number);
      const dst = (row0 + j) * this.width + x;
      for (let i = 0; i < tw; i++) this.weights[dst + i]! += w[i] as number;
      for (let c = 0; c < this.channels; c++) {
        const src = planeOffset + (c * th + j) * tw;
        const out = c * plane + dst;
        for (let i = 0; i < tw; i++) this.sums[out + i]! += (w[i] as number) * (data[src + i] as number);
      }
    }
  }

  /**
   * Finishes output rows [top, untilRow): calls `emit(row, values)` with interleaved normalised
   * values (channels per pixel) for each, then moves the band down.
   */
  flush(untilRow: number, emit: (row: number, values: Float32Array) => void): void {
    const rows = Math.min(untilRow, this.height) - this.top;
    if (rows <= 0) return;
    const plane = this.capacity * this.width;
    const values = new Float32Array(this.width * this.channels);
    for (let j = 0; j < rows; j++) {
      for (let i = 0; i < this.width; i++) {
        const k = j * this.width + i;
        const w = this.weights[k] as number;
        if (w <= 0) throw new Error(`output pixel (${i}, ${this.top + j}) received no tile weight`);
        for (let c = 0; c < this.channels; c++) values[i * this.channels + c] = (this.sums[c * plane + k] as number) / w;
      }
      emit(this.top + j, values);
    }
    this.shift(rows);
  }

  private shift(rows: number): void {
    const keep = (this.capacity - rows) * this.width;
    const plane = this.capacity * this.width;
    const moved = rows * this.width;
    this.weights.copyWithin(0, moved, plane).fill(0, keep);
    for (let c = 0; c < this.channels; c++) {
      this.sums.copyWithin(c * plane, c * plane + moved, (c + 1) * plane).fill(0, c * plane + keep, (c + 1) * plane);
    }
    this.top += rows;
  }
}
