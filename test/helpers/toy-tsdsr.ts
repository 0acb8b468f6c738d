/** A toy TSD-SR model directory whose result is known in closed form, for pipeline tests. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Graph } from '../../models/graph/graph.ts';
import { conv, depthToSpace, mul } from '../../models/graph/ops/index.ts';
import { serializeModel } from '../../models/graph/serialize.ts';
import { tensor } from '../../models/graph/tensor.ts';
import { waveletFinishGraph } from '../../models/nets/finish.ts';
import type { ModelManifest } from '../../models/runtime/index.ts';

const F = 8;
const C = 3 * F * F;

/** Encoder: lossless pixel-unshuffle by 8 (a one-hot strided convolution), so latent cells are pixel blocks. */
function encoder(): Uint8Array {
  const g = new Graph('toy_encoder');
  const x = g.input('image', 'float32', ['N', 3, 'H', 'W']);
  const w = new Float32Array(C * 3 * F * F);
  for (let c = 0; c < 3; c++) for (let dy = 0; dy < F; dy++) for (let dx = 0; dx < F; dx++) w[(((c * F * F + dy * F + dx) * 3 + c) * F + dy) * F + dx] = 1;
  g.output(conv(g, x, g.constant(tensor('float32', [C, 3, F, F], w), 'unshuffle'), undefined, { strides: [F, F] }), 'latent');
  return serializeModel(g);
}

/**
 * Denoiser: v = −k·z, or with `blur` a depthwise 3×3 convolution (spatial context across latent
 * tiles), so z − v is known.
 */
function denoiser(k: number, blur: boolean): Uint8Array {
  const g = new Graph('toy_denoiser');
  const z = g.input('latent', 'float32', ['N', C, 'h', 'w']);
  if (!blur) {
    g.output(mul(g, z, -k), 'velocity');
  } else {
    const w = Float32Array.from({ length: C * 9 }, (_, i) => (i % 9 === 4 ? -k : 0.03 * Math.sin(i)));
    g.output(conv(g, z, g.constant(tensor('float32', [C, 1, 3, 3], w), 'blur'), undefined, { pads: [1, 1, 1, 1], group: C }), 'velocity');
  }
  return serializeModel(g);
}

/** Decoder: pixel-shuffle back (the inverse of the encoder). */
function decoder(): Uint8Array {
  const g = new Graph('toy_decoder');
  const z = g.input('latent', 'float32', ['N', C, 'h', 'w']);
  g.output(depthToSpace(g, z, F, 'CRD'), 'image');
  return serializeModel(g);
}

/**
 * Writes the toy model into `dir`; latent tiles of `latentTile` cells force tiling on small images. `perTile` runs
 * the three graphs back to back per image tile (`latent.perTile`), with `margin` pixels at inner tile edges discarded;
 * `finish` adds the wavelet finishing graph.
 */
export function writeToyTsdsr(dir: string, options: { k: number; blur?: boolean; latentTile?: number; colorFix?: 'none' | 'wavelet'; perTile?: boolean; margin?: number; finish?: boolean }): ModelManifest {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'encoder.onnx'), encoder());
  writeFileSync(join(dir, 'denoiser.onnx'), denoiser(options.k, options.blur ?? false));
  writeFileSync(join(dir, 'decoder.onnx'), decoder());
  if (options.finish) writeFileSync(join(dir, 'finish.onnx'), serializeModel(waveletFinishGraph([-1, 1])));
  const manifest: ModelManifest = {
    id: 'toy-tsdsr',
    name: 'Toy TSD-SR',
    description: 'pixel-unshuffle encoder, linear denoiser, pixel-shuffle decoder',
    kind: 'tsdsr',
    scales: [2, 3, 4],
    graphs: { encoder: 'encoder.onnx', denoiser: 'denoiser.onnx', decoder: 'decoder.onnx', ...(options.finish ? { finish: 'finish.onnx' } : {}) },
    io: { input: 'image', output: 'image', layout: 'NCHW', channels: 3, range: [-1, 1], batch: true },
    tile: options.margin ? { size: 64, overlap: 32, margin: options.margin } : { size: 32, overlap: 16, margin: 0 },
    colorFix: options.colorFix ?? 'none',
    latent: { channels: C, factor: F, scalingFactor: 1.5305, shiftFactor: 0.0609, timestep: 1000, cubicA: -0.75, tile: { size: options.latentTile ?? 4, overlap: 2 }, ...(options.perTile ? { perTile: true } : {}) },
    license: 'Apache-2.0',
    provenance: { generator: 'test/helpers/toy-tsdsr.ts' },
  };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(manifest, null, 2));
  return manifest;
}
