/** Baseline resamplers (bicubic, nearest) as ONNX graphs: the reference every learned model is compared with. */
import { Graph, resize, serializeModel, type ResizeOptions } from '../graph/index.ts';

/** The baseline interpolation kinds. */
export type ResamplerMode = 'bicubic' | 'nearest';

const RESIZE: Readonly<Record<ResamplerMode, Omit<ResizeOptions, 'scales' | 'sizes'>>> = Object.freeze({
  // Keys' cubic with a = -0.5 and half-pixel centres: what PIL and PyTorch call bicubic (edges replicated).
  bicubic: { mode: 'cubic', cubicCoeffA: -0.5, coordinateTransformationMode: 'half_pixel', excludeOutside: 0 },
  // Source pixel floor(x / s): exact pixel replication at integer scales, for pixel art.
  nearest: { mode: 'nearest', coordinateTransformationMode: 'asymmetric', nearestMode: 'floor' },
});

/** ONNX bytes for a resampler: input `image` float32 [N, 3, H, W] → output `upscaled` [N, 3, H*s, W*s]. */
export function buildResampler(mode: ResamplerMode, scale: number): Uint8Array {
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`buildResampler: scale must be a positive integer, got ${scale}`);
  const g = new Graph(`${mode}_x${scale}`);
  const image = g.input('image', 'float32', ['N', 3, 'H', 'W']);
  const upscaled = resize(g, image, { ...RESIZE[mode], scales: [1, 1, scale, scale] });
  g.output(upscaled, 'upscaled');
  return serializeModel(g, { docString: `${mode} x${scale} baseline resampler` });
}
