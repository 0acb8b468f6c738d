/** The baseline model directories (bicubic, nearest) as in-memory files: graphs plus `model.json`. */
import { buildResampler, type ResamplerMode } from '../nets/baselines.ts';
import type { ModelManifest } from '../runtime/manifest.ts';

/** One file of a model directory, path relative to `models/zoo/`. */
export interface ZooFile {
  path: string;
  bytes: Uint8Array;
}

/** Scale factors every baseline ships a graph for. */
export const BASELINE_SCALES: readonly number[] = Object.freeze([2, 3, 4]);

const GENERATOR = 'models/zoo/build-baselines.ts';

function manifest(mode: ResamplerMode): ModelManifest {
  const bicubic = mode === 'bicubic';
  return {
    id: mode,
    name: bicubic ? 'Bicubic' : 'Nearest neighbour (pixel art)',
    description: bicubic
      ? 'Plain bicubic interpolation (Keys, a = -0.5, half-pixel centres): the baseline every learned model must beat.'
      : 'Exact pixel replication at integer scales, for pixel art and icons that must stay crisp.',
    kind: 'resampler',
    scales: [...BASELINE_SCALES],
    graphs: Object.fromEntries(BASELINE_SCALES.map((s) => [String(s), `x${s}.onnx`])),
    io: { input: 'image', output: 'upscaled', layout: 'NCHW', channels: 3, range: [0, 1], batch: true },
    tile: bicubic ? { size: 256, overlap: 8, margin: 2 } : { size: 256, overlap: 4, margin: 1 },
    colorFix: 'none',
    license: 'Apache-2.0',
    provenance: {
      generator: GENERATOR,
      builder: 'models/graph',
      op: bicubic
        ? 'polyphase Conv + DepthToSpace: Keys cubic a=-0.5, half-pixel centres, edges replicated'
        : 'polyphase Conv + DepthToSpace: pixel replication',
    },
  };
}

/** Serialises a manifest the way it is committed: 2-space indent, trailing newline. */
export const manifestText = (m: ModelManifest): string => `${JSON.stringify(m, null, 2)}\n`;

/** Every file of the baseline model directories, generated deterministically. */
export function baselineFiles(): ZooFile[] {
  const files: ZooFile[] = [];
  for (const mode of ['bicubic', 'nearest'] as const) {
    for (const s of BASELINE_SCALES) files.push({ path: `${mode}/x${s}.onnx`, bytes: buildResampler(mode, s) });
    files.push({ path: `${mode}/model.json`, bytes: new TextEncoder().encode(manifestText(manifest(mode))) });
  }
  return files;
}
