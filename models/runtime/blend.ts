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
  /** Scratch for one tile's weights (rows × columns), reused across calls. */
  private tileWeights = new Float32Array(0);
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
    const { sums, weights, width, channels } = this;
    const plane = this.capacity * width;
    const tile = this.outerProduct(wx, wy);
    for (let j = 0; j < th; j++) {
      if (wy[j] === 0) continue;
      const dst = (row0 + j) * width + x;
      const k = j * tw;
      for (let i = 0; i < tw; i++) weights[dst + i]! += tile[k + i] as number;
    }
    for (let c = 0; c < channels; c++) {
      for (let j = 0; j < th; j++) {
        if (wy[j] === 0) continue;
        const src = planeOffset + (c * th + j) * tw;
        const dst = c * plane + (row0 + j) * width + x;
        const k = j * tw;
        for (let i = 0; i < tw; i++) sums[dst + i]! += (tile[k + i] as number) * (data[src + i] as number);
      }
    }
  }

  /** The tile's weights wy[j] · wx[i], rows × columns, in the reused scratch buffer. */
  private outerProduct(wx: Float32Array, wy: Float32Array): Float32Array {
    const tw = wx.length;
    if (this.tileWeights.length < tw * wy.length) this.tileWeights = new Float32Array(tw * wy.length);
    const tile = this.tileWeights;
    for (let j = 0; j < wy.length; j++) {
      const wrow = wy[j] as number;
      const k = j * tw;
      for (let i = 0; i < tw; i++) tile[k + i] = wrow * (wx[i] as number);
    }
    return tile;
  }

  /**
   * Finishes output rows [top, untilRow): calls `emit(row, values)` with interleaved normalised
   * values (channels per pixel) for each, then moves the band down.
   */
  flush(untilRow: number, emit: (row: number, values: Float32Array) => void): void {
    const rows = this.finishedRows(untilRow);
    if (rows <= 0) return;
    const { sums, weights, width, channels } = this;
    const plane = this.capacity * width;
    const values = new Float32Array(width * channels);
    for (let j = 0; j < rows; j++) {
      for (let c = 0; c < channels; c++) {
        const src = c * plane + j * width;
        for (let i = 0; i < width; i++) values[i * channels + c] = (sums[src + i] as number) / (weights[j * width + i] as number);
      }
      emit(this.top + j, values);
    }
    this.shift(rows);
  }

  /**
   * Finishes output rows [top, untilRow) like `flush`, but hands each row out planar: `channels`
   * runs of `width` values.
   */
  flushPlanar(untilRow: number, emit: (row: number, values: Float32Array) => void): void {
    const rows = this.finishedRows(untilRow);
    if (rows <= 0) return;
    const { sums, weights, width, channels } = this;
    const plane = this.capacity * width;
    const values = new Float32Array(width * channels);
    for (let j = 0; j < rows; j++) {
      const row = j * width;
      for (let c = 0; c < channels; c++) {
        const src = c * plane + row;
        const dst = c * width;
        for (let i = 0; i < width; i++) values[dst + i] = (sums[src + i] as number) / (weights[row + i] as number);
      }
      emit(this.top + j, values);
    }
    this.shift(rows);
  }

  /**
   * Normalises the whole image in place and returns it as planes (channels × height × width). Only
   * for a band that holds every row and has flushed none; the accumulator is spent afterwards.
   */
  finishPlanes(): Float32Array {
    if (this.capacity !== this.height || this.top !== 0) throw new RangeError('finishPlanes needs a band holding the whole image');
    const { sums, weights, channels } = this;
    const plane = this.finishedRows(this.height) * this.width;
    for (let c = 0; c < channels; c++) {
      const base = c * plane;
      for (let k = 0; k < plane; k++) sums[base + k] = (sums[base + k] as number) / (weights[k] as number);
    }
    this.top = this.height;
    return sums;
  }

  /** How many band rows up to `untilRow` are finished; throws if one of their pixels got no weight. */
  private finishedRows(untilRow: number): number {
    const rows = Math.min(untilRow, this.height) - this.top;
    const { weights, width } = this;
    for (let k = 0; k < rows * width; k++) {
      if ((weights[k] as number) <= 0) throw new Error(`output pixel (${k % width}, ${this.top + Math.floor(k / width)}) received no tile weight`);
    }
    return rows;
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
