/**
 * `tsdsr models import --ncnn`: an ncnn model (`.param` + `.bin`, as Upscayl and the *-ncnn-vulkan tools ship
 * them) → a `resampler` model directory: one ONNX graph built through models/graph, RGB in [0, 1] as Upscayl
 * feeds it, and model.json. Float16 weights stay float16 in the file.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { toModelProto } from '../graph/index.ts';
import { writeModelDirectory, writeOnnxModel } from '../io/index.ts';
import type { ModelManifest } from '../runtime/manifest.ts';
import { ImportError } from './errors.ts';
import { exists } from './internal/files.ts';
import { NCNN_PREPADDING, ncnnToGraph, type NcnnGraph } from './internal/ncnn-graph.ts';
import { parseNcnnParam } from './internal/ncnn-param.ts';
import { prepareOutputDirectory } from './internal/output-directory.ts';

/** One ncnn model's two files. */
export interface NcnnModelFiles {
  param: string;
  bin: string;
  /** The file name without `.param`, e.g. `realesrgan-x4plus`. */
  base: string;
}

/** Import settings. */
export interface NcnnImportOptions {
  out: string;
  id: string;
  name?: string;
  /** The scale the model is expected to have; refused when the network says otherwise. */
  scale?: number;
  /** Tile side in input pixels (default 192). */
  tileSize?: number;
  log?: (message: string) => void;
}

/** Default tiles: 192 input pixels, neighbours sharing 24, 8 of them at inner edges unused (Upscayl keeps 10 of context). */
export const NCNN_DEFAULT_TILE = Object.freeze({ size: 192, overlap: 24, margin: 8 });

/** A model id made from a file name: lower case, other characters as '-'. */
export const ncnnModelId = (base: string): string => base.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '') || 'ncnn-model';

/** The models at `source`: one `.param` (its `.bin` beside it), or every `.param` with a `.bin` in a folder. */
export async function locateNcnnModels(source: string): Promise<NcnnModelFiles[]> {
  const info = await stat(source).catch(() => {
    throw new ImportError(`${source} not found: expected an ncnn .param file or a folder of .param and .bin files`);
  });
  const params = info.isDirectory()
    ? (await readdir(source)).filter((f) => extname(f) === '.param').sort().map((f) => join(source, f))
    : [source];
  if (params.length === 0) throw new ImportError(`${source}: no .param files in this folder`);
  const models: NcnnModelFiles[] = [];
  for (const param of params) {
    if (extname(param) !== '.param') throw new ImportError(`${param}: expected a .param file (its weights in a .bin of the same name beside it)`);
    const base = basename(param, '.param');
    const bin = join(dirname(param), `${base}.bin`);
    if (!(await exists(bin))) throw new ImportError(`${param}: its weights ${bin} are missing`);
    models.push({ param, bin, base });
  }
  return models;
}

/** Reads and converts one model (no files written). */
export async function convertNcnn(files: NcnnModelFiles, name = files.base): Promise<NcnnGraph & { sha256: { param: string; bin: string } }> {
  const [paramBytes, bin] = await Promise.all([readFile(files.param), readFile(files.bin)]);
  const converted = ncnnToGraph(parseNcnnParam(paramBytes.toString('utf8'), files.param), bin, files, name);
  const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  return { ...converted, sha256: { param: sha(paramBytes), bin: sha(bin) } };
}

function manifestFor(files: NcnnModelFiles, o: NcnnImportOptions, converted: Awaited<ReturnType<typeof convertNcnn>>): ModelManifest {
  const tileSize = o.tileSize ?? NCNN_DEFAULT_TILE.size;
  const { float16, float32 } = converted.storage;
  return {
    id: o.id,
    name: o.name ?? files.base,
    description: `ncnn model ${files.base} (×${converted.scale}), converted to ONNX by tsdsr models import --ncnn.`,
    kind: 'resampler',
    scales: [converted.scale],
    graphs: { [String(converted.scale)]: `x${converted.scale}.onnx` },
    io: { input: 'image', output: 'upscaled', layout: 'NCHW', channels: 3, range: [0, 1], batch: false },
    tile: { size: tileSize, overlap: Math.min(NCNN_DEFAULT_TILE.overlap, tileSize - 1), margin: NCNN_DEFAULT_TILE.margin },
    colorFix: 'none',
    license: 'the licence of the imported ncnn model applies',
    provenance: {
      importedBy: 'tsdsr models import --ncnn',
      param: resolve(files.param),
      bin: resolve(files.bin),
      sha256: converted.sha256,
      layerTypes: converted.layerTypes,
      weightStorage: float16 > 0 && float32 > 0 ? 'mixed float16 and float32, as in the .bin' : float16 > 0 ? 'float16, as in the .bin (computed in float32)' : 'float32',
      prepadding: `image mirrored by up to ${NCNN_PREPADDING} px before the network and cropped after, as Upscayl does`,
      importedAt: new Date().toISOString(),
    },
  };
}

/** Imports one ncnn model into `options.out` (written as a whole, like every import); returns the manifest. */
export async function importNcnn(files: NcnnModelFiles, options: NcnnImportOptions): Promise<ModelManifest> {
  const log = options.log ?? (() => {});
  await prepareOutputDirectory(options.out, log);
  const converted = await convertNcnn(files, options.id);
  if (options.scale !== undefined && options.scale !== converted.scale) {
    throw new ImportError(`${files.param}: the network upscales ×${converted.scale}, not ×${options.scale} as --scale says`);
  }
  const manifest = manifestFor(files, options, converted);
  await writeModelDirectory(options.out, async (dir) => {
    await writeOnnxModel(join(dir, manifest.graphs[String(converted.scale)]!), toModelProto(converted.graph));
    await writeFile(join(dir, 'model.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  });
  log(`wrote ${options.out} (×${converted.scale}, ${converted.storage.float16 + converted.storage.float32} weight buffers)`);
  return manifest;
}
