/**
 * NIQE (Mittal et al. 2013) as SR papers report it (BasicSR's port of the authors' MATLAB code):
 * MSCN coefficients on two scales, AGGD features of 96×96 blocks, distance to the pristine
 * multivariate Gaussian. Lower is more natural. Float64 throughout.
 */
import { readFileSync } from 'node:fs';
import { gamma } from './gamma.ts';
import { matlabResize } from './matlab-resize.ts';
import { symmetricPinv } from './pinv.ts';

/** The pristine model: mean (36), covariance (36×36, row-major) and the 7×7 Gaussian window. */
export interface NiqeModel {
  mu: Float64Array;
  cov: Float64Array;
  window: Float64Array;
}

/** Reads the pristine parameters from the JSON export of BasicSR's `niqe_pris_params.npz`. */
export function parseNiqeModel(json: Record<string, { shape: number[]; data: number[] }>): NiqeModel {
  const get = (name: string, size: number): Float64Array => {
    const entry = json[name];
    if (!entry || entry.data.length !== size) throw new Error(`NIQE parameters: ${name} must hold ${size} numbers`);
    return Float64Array.from(entry.data);
  };
  return { mu: get('mu_pris_param', 36), cov: get('cov_pris_param', 36 * 36), window: get('gaussian_window', 49) };
}

/** The pristine parameters kept in the project (BasicSR's, Apache-2.0: see niqe-params/README.md). */
export const NIQE_PRISTINE_PARAMS = new URL('./niqe-params/niqe_pris_params.json', import.meta.url);

/** Reads the project's pristine NIQE model. */
export function readPristineNiqeModel(): NiqeModel {
  return parseNiqeModel(JSON.parse(readFileSync(NIQE_PRISTINE_PARAMS, 'utf8')));
}

const GAMMAS = Array.from({ length: 9801 }, (_, k) => 0.2 + k * 0.001);
const R_GAMMA = GAMMAS.map((g) => gamma(2 / g) ** 2 / (gamma(1 / g) * gamma(3 / g)));

/** Asymmetric generalised Gaussian fit: shape α and left/right scales (NaN when a side has no samples). */
function aggdFit(values: Float64Array): [number, number, number] {
  let [leftSq, leftN, rightSq, rightN, absSum, sq] = [0, 0, 0, 0, 0, 0];
  for (const v of values) {
    if (v < 0) {
      leftSq += v * v;
      leftN++;
    } else if (v > 0) {
      rightSq += v * v;
      rightN++;
    }
    absSum += Math.abs(v);
    sq += v * v;
  }
  const leftStd = Math.sqrt(leftSq / leftN);
  const rightStd = Math.sqrt(rightSq / rightN);
  const gammaHat = leftStd / rightStd;
  const rHat = (absSum / values.length) ** 2 / (sq / values.length);
  const rHatNorm = (rHat * (gammaHat ** 3 + 1) * (gammaHat + 1)) / (gammaHat ** 2 + 1) ** 2;
  let best = 0;
  for (let k = 1; k < GAMMAS.length; k++) if ((R_GAMMA[k]! - rHatNorm) ** 2 < (R_GAMMA[best]! - rHatNorm) ** 2) best = k;
  const alpha = GAMMAS[best]!;
  const ratio = Math.sqrt(gamma(1 / alpha) / gamma(3 / alpha));
  return [alpha, leftStd * ratio, rightStd * ratio];
}

/** The 18 features of one block: the MSCN fit and the fits of its products with 4 neighbours (wrapping, as np.roll). */
function blockFeatures(block: Float64Array, h: number, w: number): number[] {
  const [alpha, l, r] = aggdFit(block);
  const features = [alpha, (l + r) / 2];
  for (const [dy, dx] of [[0, 1], [1, 0], [1, 1], [1, -1]] as const) {
    const product = new Float64Array(h * w);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) product[y * w + x] = block[y * w + x]! * block[((y - dy + h) % h) * w + ((x - dx + w) % w)]!;
    }
    const [a, bl, br] = aggdFit(product);
    features.push(a, (br - bl) * (gamma(2 / a) / gamma(1 / a)), bl, br);
  }
  return features;
}

/**
 * Local mean-subtracted contrast-normalised coefficients (7×7 Gaussian, edges replicated), rounded
 * to float32 at each step as the reference computes them (in flat regions the rounding decides signs).
 */
function mscn(img: Float64Array, h: number, w: number, window: Float64Array): Float64Array {
  const f = Math.fround;
  const out = new Float64Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let mu = 0;
      let m2 = 0;
      for (let j = 0; j < 7; j++) {
        const yy = Math.min(h - 1, Math.max(0, y + j - 3));
        for (let i = 0; i < 7; i++) {
          const v = img[yy * w + Math.min(w - 1, Math.max(0, x + i - 3))]!;
          mu += window[j * 7 + i]! * v;
          m2 += window[j * 7 + i]! * f(v * v);
        }
      }
      const [mu32, m232] = [f(mu), f(m2)];
      const sigma = f(Math.sqrt(Math.abs(f(m232 - f(mu32 * mu32)))));
      out[y * w + x] = f(f(img[y * w + x]! - mu32) / f(sigma + 1));
    }
  }
  return out;
}

/** Features of every 96×96 block (48×48 at the second scale), blocks ordered column by column as the reference. */
function scaleFeatures(img: Float64Array, h: number, w: number, block: number, blocksH: number, blocksW: number, window: Float64Array): number[][] {
  const norm = mscn(img, h, w, window);
  const rows: number[][] = [];
  for (let bx = 0; bx < blocksW; bx++) {
    for (let by = 0; by < blocksH; by++) {
      const data = new Float64Array(block * block);
      for (let y = 0; y < block; y++) data.set(norm.subarray((by * block + y) * w + bx * block, (by * block + y) * w + (bx + 1) * block), y * block);
      rows.push(blockFeatures(data, block, block));
    }
  }
  return rows;
}

/** NIQE's block side at the first scale, in pixels. */
export const NIQE_BLOCK = 96;

/** The blocks NIQE reads of a height × width plane: whole blocks from the top-left corner; the rest is dropped. */
export function niqeBlockGrid(height: number, width: number, block = NIQE_BLOCK): [rows: number, cols: number] {
  return [Math.floor(height / block), Math.floor(width / block)];
}

/** NIQE of a luma plane in 0..255 (already border-cropped and rounded, as the reference does). */
export function niqe(plane: Float64Array, height: number, width: number, model: NiqeModel, block = NIQE_BLOCK): number {
  const [blocksH, blocksW] = niqeBlockGrid(height, width, block);
  if (blocksH === 0 || blocksW === 0) throw new RangeError(`NIQE needs at least ${block}×${block} pixels, got ${width}×${height}`);
  const [h, w] = [blocksH * block, blocksW * block];
  const img = new Float64Array(h * w);
  for (let y = 0; y < h; y++) img.set(plane.subarray(y * width, y * width + w), y * w);
  const first = scaleFeatures(img, h, w, block, blocksH, blocksW, model.window);
  const half = matlabResize(img.map((v) => Math.fround(v / 255)), h, w, 0.5);
  const second = scaleFeatures(half.data.map((v) => Math.fround(Math.fround(v) * 255)), half.height, half.width, block / 2, blocksH, blocksW, model.window);
  const features = first.map((row, i) => [...row, ...second[i]!]);
  return distanceToPristine(features, model);
}

/** sqrt((μp − μ)ᵀ pinv((Σp + Σ)/2) (μp − μ)) over NaN-free rows (NaN-ignoring mean, as the reference). */
function distanceToPristine(features: number[][], model: NiqeModel): number {
  const n = 36;
  const mean = Array.from({ length: n }, (_, k) => {
    const finite = features.map((r) => r[k]!).filter((v) => !Number.isNaN(v));
    return finite.reduce((a, b) => a + b, 0) / finite.length;
  });
  const clean = features.filter((r) => r.every((v) => !Number.isNaN(v)));
  const cleanMean = Array.from({ length: n }, (_, k) => clean.reduce((a, r) => a + r[k]!, 0) / clean.length);
  const pooled = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let c = 0;
      for (const r of clean) c += (r[i]! - cleanMean[i]!) * (r[j]! - cleanMean[j]!);
      pooled[i * n + j] = (model.cov[i * n + j]! + c / (clean.length - 1)) / 2;
    }
  }
  const inv = symmetricPinv(pooled, n);
  const d = mean.map((m, k) => model.mu[k]! - m);
  let q = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) q += d[i]! * inv[i * n + j]! * d[j]!;
  return Math.sqrt(q);
}
