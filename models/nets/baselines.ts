/**
 * Baseline resamplers (bicubic, nearest) as ONNX graphs: the reference every learned model is
 * compared with. Each is a polyphase filter bank: one grouped convolution computes all s × s
 * output phases of every input pixel, and DepthToSpace interleaves them. ONNX Runtime's
 * convolutions are vectorised where its Resize is not, so this runs much faster than a Resize
 * node while computing the same interpolation (checked against Resize in test/zoo).
 */
import { Graph, conv, depthToSpace, pad, serializeModel, tensor, type Value } from '../graph/index.ts';
import { cubicKernel } from '../runtime/resize.ts';

/** The baseline interpolation kinds. */
export type ResamplerMode = 'bicubic' | 'nearest';

/** Per-phase filter taps along one axis: `taps[p]` weights input offsets −radius..+radius for output phase p. */
export interface PhaseFilters {
  radius: number;
  taps: number[][];
}

/**
 * Keys' cubic (a = −0.5) at half-pixel centres, edges replicated: output pixel s·i + p samples
 * the input at i + f with f = (p + 0.5)/s − 0.5, from the inputs at offsets −2..+2.
 */
export function bicubicPhases(scale: number): PhaseFilters {
  const taps = Array.from({ length: scale }, (_, p) => {
    const f = (p + 0.5) / scale - 0.5;
    return [-2, -1, 0, 1, 2].map((d) => cubicKernel(f - d));
  });
  return { radius: 2, taps };
}

/** Pixel replication: every phase copies the input pixel itself. */
export function nearestPhases(scale: number): PhaseFilters {
  return { radius: 0, taps: Array.from({ length: scale }, () => [1]) };
}

const PHASES: Readonly<Record<ResamplerMode, (scale: number) => PhaseFilters>> = Object.freeze({
  bicubic: bicubicPhases,
  nearest: nearestPhases,
});

/** Conv weights [3·s², 1, k, k] for separable phase filters, output channel c·s² + py·s + px (DepthToSpace CRD order). */
function polyphaseWeights(phases: PhaseFilters, scale: number, channels: number): Float32Array {
  const k = 2 * phases.radius + 1;
  const perChannel = scale * scale * k * k;
  const weights = new Float32Array(channels * perChannel);
  for (let py = 0; py < scale; py++) {
    for (let px = 0; px < scale; px++) {
      for (let dy = 0; dy < k; dy++) {
        for (let dx = 0; dx < k; dx++) {
          const w = (phases.taps[py]![dy] as number) * (phases.taps[px]![dx] as number);
          for (let c = 0; c < channels; c++) weights[c * perChannel + ((py * scale + px) * k + dy) * k + dx] = w;
        }
      }
    }
  }
  return weights;
}

/** Upscales [N, C, H, W] by an integer factor with phase filters (edges replicated). */
export function polyphaseUpscale(g: Graph, image: Value, phases: PhaseFilters, scale: number, channels: number): Value {
  const r = phases.radius;
  const k = 2 * r + 1;
  const padded = r > 0 ? pad(g, image, [0, 0, r, r, 0, 0, r, r], 'edge') : image;
  const w = g.constant(tensor('float32', [channels * scale * scale, 1, k, k], polyphaseWeights(phases, scale, channels)), 'phase_filters');
  const phased = conv(g, padded, w, undefined, { group: channels });
  return depthToSpace(g, phased, scale, 'CRD');
}

/** ONNX bytes for a resampler: input `image` float32 [N, 3, H, W] → output `upscaled` [N, 3, H*s, W*s]. */
export function buildResampler(mode: ResamplerMode, scale: number): Uint8Array {
  if (!Number.isInteger(scale) || scale < 1) throw new RangeError(`buildResampler: scale must be a positive integer, got ${scale}`);
  const g = new Graph(`${mode}_x${scale}`);
  const image = g.input('image', 'float32', ['N', 3, 'H', 'W']);
  g.output(polyphaseUpscale(g, image, PHASES[mode](scale), scale, 3), 'upscaled');
  return serializeModel(g, { docString: `${mode} x${scale} baseline resampler (polyphase convolution)` });
}
