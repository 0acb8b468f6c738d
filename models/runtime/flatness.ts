/**
 * Whether an image is flat: smooth gradients and fills under noise or JPEG blocks (a wallpaper, a backdrop, a soft
 * glow), where a model that draws texture turns the noise into blotches and a fidelity model gives a clean gradient.
 *
 * Read from the luma averaged over 2×2 and over 4×4 cells. Averaging 4 times as many pixels halves white noise, so on
 * an image that holds little but noise the gradients between 4×4 cells are about half those between 2×2 cells; on
 * texture they stay about the same, and on a drawn gradient or shape they double (each cell is twice as wide). An image
 * is flat when its median 4×4-cell gradient is very small in levels (a smooth image, JPEG blocks and all), or small and
 * smaller than its median 2×2-cell one (a smooth image under noise) ({@link FLAT_BELOW}).
 */
import type { RgbaImage } from './image.ts';

/** Median gradient magnitudes (8-bit luma levels per cell, central differences) between 2×2 and between 4×4 cells. */
export interface Flatness {
  fine: number;
  coarse: number;
}

/**
 * The thresholds: flat when `coarse` is below `smoothLevels`, or below `noisyLevels` and below `ratio` × `fine`. Chosen
 * on ×4 LRs of `data/train/photos`, Real-ESRGAN-degraded (3 seeds) and JPEG-compressed (quality 30, 50, 75): no
 * photograph of grass, foliage, water, wood, rock or sky there has `coarse` under 4.9 without noise, and none passes
 * the ratio with it; the wallpapers sent gain 1.1 dB PSNR-Y from the fidelity model on average (docs/models.md).
 */
export const FLAT_BELOW = Object.freeze({ smoothLevels: 3, noisyLevels: 4, ratio: 0.9 });

/** Fewer 4×4 cells a side than this and the image is too small to judge ({@link flatness} returns null). */
const MIN_CELLS = 8;
/** Histogram bins for the medians: 1/32 level wide, up to 64 levels (larger gradients share the last bin). */
const BIN_WIDTH = 1 / 32;
const BINS = 64 * 32;

/** Mean luma per cell, row by row; NaN where a pixel of the cell is not fully opaque. */
interface Cells {
  luma: Float64Array;
  columns: number;
  rows: number;
}

/** The mean luma (BT.601) of each 2×2 block of the image. */
function pairCells(image: RgbaImage): Cells {
  const columns = Math.floor(image.width / 2);
  const rows = Math.floor(image.height / 2);
  const luma = new Float64Array(columns * rows);
  const { data, width } = image;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      let sum = 0;
      for (let y = 2 * r; y < 2 * r + 2; y++) {
        for (let x = 2 * c, p = (y * width + x) * 4; x < 2 * c + 2; x++, p += 4) {
          if (data[p + 3] !== 255) sum = NaN;
          sum += 0.299 * data[p]! + 0.587 * data[p + 1]! + 0.114 * data[p + 2]!;
        }
      }
      luma[r * columns + c] = sum / 4;
    }
  }
  return { luma, columns, rows };
}

/** Cells twice as wide: the mean of each 2×2 block of `cells` (NaN carried). */
function halve(cells: Cells): Cells {
  const columns = Math.floor(cells.columns / 2);
  const rows = Math.floor(cells.rows / 2);
  const luma = new Float64Array(columns * rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const i = 2 * r * cells.columns + 2 * c;
      luma[r * columns + c] = (cells.luma[i]! + cells.luma[i + 1]! + cells.luma[i + cells.columns]! + cells.luma[i + cells.columns + 1]!) / 4;
    }
  }
  return { luma, columns, rows };
}

/** The median central-difference gradient magnitude between cells (opaque neighbourhoods only); null if none. */
function medianCellGradient({ luma, columns, rows }: Cells): number | null {
  const histogram = new Uint32Array(BINS);
  let count = 0;
  for (let r = 1; r + 1 < rows; r++) {
    for (let c = 1, i = r * columns + 1; c + 1 < columns; c++, i++) {
      const gx = (luma[i + 1]! - luma[i - 1]!) / 2;
      const gy = (luma[i + columns]! - luma[i - columns]!) / 2;
      const magnitude = Math.hypot(gx, gy);
      if (Number.isNaN(magnitude)) continue;
      histogram[Math.min(BINS - 1, Math.floor(magnitude / BIN_WIDTH))]!++;
      count++;
    }
  }
  if (count === 0) return null;
  let seen = 0;
  for (let b = 0; b < BINS; b++) {
    seen += histogram[b]!;
    if (2 * seen >= count) return (b + 0.5) * BIN_WIDTH;
  }
  return (BINS - 0.5) * BIN_WIDTH;
}

/** The image's {@link Flatness}, or null when it is smaller than 8 × 4 px a side or has too few opaque cells. */
export function flatness(image: RgbaImage): Flatness | null {
  if (Math.min(image.width, image.height) < MIN_CELLS * 4) return null;
  const pairs = pairCells(image);
  const fine = medianCellGradient(pairs);
  const coarse = medianCellGradient(halve(pairs));
  return fine === null || coarse === null ? null : { fine, coarse };
}

/** True for a flat image ({@link FLAT_BELOW}); false when {@link flatness} cannot judge it. */
export function isFlat(image: RgbaImage): boolean {
  const f = flatness(image);
  if (f === null) return false;
  return f.coarse < FLAT_BELOW.smoothLevels || (f.coarse < FLAT_BELOW.noisyLevels && f.coarse < FLAT_BELOW.ratio * f.fine);
}
