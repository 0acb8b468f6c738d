/** Splitting an image into overlapping tiles of one size, so tiles can be batched into one session run. */

/** Start offsets of tiles of `tile` pixels along an axis of `length`, neighbours sharing at least `overlap`. */
export function tileStarts(length: number, tile: number, overlap: number): number[] {
  if (tile >= length) return [0];
  const stride = tile - overlap;
  if (stride <= 0) throw new RangeError(`overlap ${overlap} must be smaller than the tile ${tile}`);
  const starts: number[] = [];
  for (let s = 0; s + tile < length; s += stride) starts.push(s);
  starts.push(length - tile); // the last tile ends at the image edge
  return starts;
}

/** A tile grid: every tile is `width` x `height` input pixels; `xs`/`ys` are the tiles' left and top edges. */
export interface TileGrid {
  width: number;
  height: number;
  xs: number[];
  ys: number[];
}

/** Plans the grid for an image; tiles shrink to the image on small images. */
export function planTiles(imageWidth: number, imageHeight: number, tileSize: number, overlap: number): TileGrid {
  const width = Math.min(tileSize, imageWidth);
  const height = Math.min(tileSize, imageHeight);
  return {
    width,
    height,
    xs: tileStarts(imageWidth, width, overlap),
    ys: tileStarts(imageHeight, height, overlap),
  };
}
