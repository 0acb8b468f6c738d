/** Exports a trained student as a `tsdsr` model directory (LoRA merged, graphs via writeOnnxModel, model.json) the registry lists. */
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toModelProto } from '../../../models/graph/index.ts';
import { writeOnnxModel } from '../../../models/io/index.ts';
import { waveletFinishGraph, type WeightSource } from '../../../models/nets/index.ts';
import type { ModelManifest } from '../../../models/runtime/index.ts';
import type { LatentFamily } from '../loop/family.ts';
import { writeModelDirectory } from './model-directory.ts';

/** What an export needs besides the weights. */
export interface TsdsrExportOptions {
  dir: string;
  id: string;
  name: string;
  family: LatentFamily;
  scalingFactor: number;
  style: Float32Array;
  /** The student's timestep t_s (default 1000); the denoiser graph outputs (t_s/1000)·v so the runtime's z − v holds. */
  timestep?: number;
  /** Recorded in model.json (data, recipe and flags, steps, perceptual loss, ...). */
  provenance: Record<string, unknown>;
  /** Run the three graphs back to back per image tile (`latent.perTile`): for VAEs and denoisers whose context fits the tile overlap. */
  perTile?: boolean;
  /** Anti-ringing and input smoothing to state in model.json (those of the model a run started from). */
  keep?: Pick<ModelManifest, 'antiRing' | 'denoise'>;
}

/** The current git commit of the working directory, or null outside a repository. */
export function gitCommit(cwd = process.cwd()): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() || null;
  } catch {
    return null;
  }
}

/** The manifest of an exported small-family model. */
export function tsdsrManifest(o: TsdsrExportOptions): ModelManifest {
  const f = o.family.latentFactor;
  const m = o.family.latentMultiple;
  const latentTile = Math.max(m, Math.floor(64 / m) * m);
  return {
    id: o.id, name: o.name, kind: 'tsdsr',
    description: `One-step TSD-SR student of the ${o.family.name} family, trained with tsdsr train tsd.`,
    scales: [2, 3, 4],
    graphs: { encoder: 'encoder.onnx', denoiser: 'denoiser.onnx', decoder: 'decoder.onnx', finish: 'finish.onnx' },
    io: { input: 'image', output: 'image', layout: 'NCHW', channels: 3, range: [-1, 1], batch: true },
    tile: { size: 64 * f, overlap: 8 * f, margin: 2 * f },
    colorFix: 'wavelet',
    ...o.keep,
    latent: {
      channels: o.family.latentChannels, factor: f, scalingFactor: o.scalingFactor, shiftFactor: 0, timestep: o.timestep ?? 1000, cubicA: -0.75,
      tile: { size: latentTile, overlap: Math.max(m, Math.floor(8 / m) * m) }, multiple: m, ...(o.perTile ? { perTile: true } : {}),
    },
    license: 'trained by the user; the training images\' licences apply',
    provenance: { loraMerged: true, ...o.provenance, commit: gitCommit(), exportedAt: new Date().toISOString() },
  };
}

/**
 * Writes encoder.onnx, denoiser.onnx (style and the student's timestep baked in), decoder.onnx, finish.onnx (clamp and
 * wavelet fix) and model.json as the folder `dir`, replacing an earlier export there as a whole (writeModelDirectory).
 */
export async function exportTsdsrModel(vae: WeightSource, denoiser: WeightSource, o: TsdsrExportOptions): Promise<ModelManifest> {
  const graphs = o.family.runtimeGraphs(vae, denoiser, o.style, o.timestep ?? 1000);
  const manifest = tsdsrManifest(o);
  await writeModelDirectory(o.dir, async (dir) => {
    for (const [key, g] of Object.entries(graphs)) await writeOnnxModel(join(dir, `${key}.onnx`), toModelProto(g));
    await writeOnnxModel(join(dir, manifest.graphs.finish as string), toModelProto(waveletFinishGraph(manifest.io.range)));
    await writeFile(join(dir, 'model.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  });
  return manifest;
}
