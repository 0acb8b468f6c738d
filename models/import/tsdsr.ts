/**
 * `tsdsr models import`: an SD3 checkpoint (diffusers layout) plus the TSD-SR release (LoRA for the
 * transformer and the VAE encoder, prompt embeddings) → a `tsdsr` model directory: encoder, denoiser
 * and decoder graphs with the LoRA merged and the prompt baked in, and `model.json`.
 */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Graph, tensor, toModelProto } from '../graph/index.ts';
import { openSafetensors, readTorchTensor, writeModelDirectory, writeOnnxModel, type OnnxWriteOptions, type TorchTensor } from '../io/index.ts';
import {
  mergeLora, mmdit, mmditConfigFromDiffusers, readWeights, vaeConfigFromDiffusers, vaeDecoderGraph, vaeEncoderGraph,
  vaeLatentFactor, type MmditConfig, type VaeConfig, type WeightSource,
} from '../nets/index.ts';
import type { ModelManifest } from '../runtime/manifest.ts';
import { need, readJson } from './internal/files.ts';
import { prepareOutputDirectory } from './internal/output-directory.ts';
import type { AlphaSetting } from './lora-alpha.ts';
import { locateLora, planLora, readLoraAdapter, type LoraPlan } from './lora-file.ts';
import type { LoraComponent } from './tsdsr-release.ts';

export { ImportError } from './errors.ts';

/** Where the downloads are. */
export interface TsdsrSources {
  /** SD3 in diffusers layout: `transformer/` and `vae/`, each with config.json and safetensors. */
  sd3: string;
  /**
   * TSD-SR's LoRA: `transformer.safetensors` and `vae.safetensors` (the release), or peft's layout
   * `transformer/` and `vae/`, each with `adapter_model.safetensors` and `adapter_config.json`.
   */
  lora: string;
  /** TSD-SR's prompt embeddings: `prompt_embeds.pt` and `pool_embeds.pt`. */
  embeds: string;
}

/** Import settings. */
export interface TsdsrImportOptions {
  out: string;
  id?: string;
  name?: string;
  /** Store weights as float16 (half the size; computed in float32). */
  fp16?: boolean;
  externalData?: OnnxWriteOptions['externalData'];
  /** peft's lora_alpha per LoRA file, for files that do not say it (`--lora-alpha`); refused where a file says otherwise. */
  loraAlpha?: Partial<Record<LoraComponent, AlphaSetting>>;
  log?: (message: string) => void;
}

/** Reads a whole safetensors checkpoint (file, index or directory) as float32 weights, closing it afterwards. */
async function readCheckpoint(path: string): Promise<WeightSource> {
  const reader = await openSafetensors(path);
  try {
    return await readWeights(reader);
  } finally {
    await reader.close();
  }
}

/** The denoiser: MMDiT on a latent of any size at the distilled timestep, prompt embeddings as constants. */
function denoiserGraph(weights: WeightSource, config: MmditConfig, prompt: Float32Array, promptDims: number[], pooled: Float32Array, pooledDims: number[], timestep: number): Graph {
  const g = new Graph('tsdsr_denoiser');
  const latent = g.input('latent', 'float32', [1, config.inChannels, 'h', 'w']);
  const velocity = mmdit(g, weights, config, {
    hiddenStates: latent,
    timestep: g.constant(tensor('float32', [1], Float32Array.of(timestep)), 'timestep'),
    encoderHiddenStates: g.constant(tensor('float32', promptDims, prompt), 'prompt_embeds'),
    pooledProjections: g.constant(tensor('float32', pooledDims, pooled), 'pooled_prompt_embeds'),
  });
  g.output(velocity, 'velocity');
  return g;
}

/** Finds and checks one LoRA file and resolves its scales, so a LoRA that cannot be imported fails before the heavy work. */
async function planLoraFile(src: TsdsrSources, options: TsdsrImportOptions, component: LoraComponent): Promise<LoraPlan> {
  const plan = await planLora(component, await locateLora(src.lora, component), options.loraAlpha?.[component]);
  options.log?.(`${component} LoRA ${plan.weights}: ${plan.summary}`);
  return plan;
}

/** What an import reads before it writes: configs, prompt embeddings and the checked LoRA files. */
interface ImportInputs {
  vaeConfig: VaeConfig;
  mmditConfig: MmditConfig;
  prompt: TorchTensor;
  pooled: TorchTensor;
  loras: Record<LoraComponent, LoraPlan>;
}

/** Reads and checks the small inputs, so that a broken download fails before the heavy work. */
async function readInputs(src: TsdsrSources, options: TsdsrImportOptions): Promise<ImportInputs> {
  const vaeConfig = vaeConfigFromDiffusers(await readJson(join(src.sd3, 'vae', 'config.json'), 'the SD3 VAE config (diffusers layout: <sd3>/vae/config.json)'));
  const mmditConfig = mmditConfigFromDiffusers(await readJson(join(src.sd3, 'transformer', 'config.json'), 'the SD3 transformer config (<sd3>/transformer/config.json)'));
  const prompt = await readTorchTensor(await need(join(src.embeds, 'prompt_embeds.pt'), "TSD-SR's prompt embeddings"));
  const pooled = await readTorchTensor(await need(join(src.embeds, 'pool_embeds.pt'), "TSD-SR's pooled prompt embeddings"));
  const loras = { vae: await planLoraFile(src, options, 'vae'), transformer: await planLoraFile(src, options, 'transformer') };
  return { vaeConfig, mmditConfig, prompt, pooled, loras };
}

/** Writes the three graphs (LoRA merged) and model.json into `dir`; returns the manifest. */
async function writeModelFiles(dir: string, src: TsdsrSources, options: TsdsrImportOptions, inputs: ImportInputs): Promise<ModelManifest> {
  const log = options.log ?? (() => {});
  const { vaeConfig, mmditConfig, prompt, pooled, loras } = inputs;
  log('reading the VAE and its LoRA');
  const vae = mergeLora(await readCheckpoint(join(src.sd3, 'vae')), await readLoraAdapter(loras.vae));
  const write = (file: string, g: Graph) => writeOnnxModel(join(dir, file), toModelProto(g), { fp16Storage: options.fp16, externalData: options.externalData });
  log('writing encoder.onnx');
  await write('encoder.onnx', vaeEncoderGraph(vae, vaeConfig));
  log('writing decoder.onnx');
  await write('decoder.onnx', vaeDecoderGraph(vae, vaeConfig));
  log('reading the transformer and its LoRA');
  const transformer = mergeLora(await readCheckpoint(join(src.sd3, 'transformer')), await readLoraAdapter(loras.transformer));
  log('writing denoiser.onnx');
  const timestep = 1000;
  await write('denoiser.onnx', denoiserGraph(transformer, mmditConfig, prompt.data, [...prompt.shape], pooled.data, [...pooled.shape], timestep));
  const manifest = manifestFor(src, options, vaeConfig.latentChannels, vaeLatentFactor(vaeConfig), vaeConfig.scalingFactor, vaeConfig.shiftFactor, mmditConfig, timestep);
  manifest.provenance.loraScale = { transformer: loras.transformer.summary, vae: loras.vae.summary };
  await writeFile(join(dir, 'model.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/**
 * Imports the downloads into `options.out`; returns the written manifest. The folder appears, or replaces the model
 * already there, only once every file is written (see internal/output-directory.ts); a folder holding other files is refused.
 */
export async function importTsdsr(src: TsdsrSources, options: TsdsrImportOptions): Promise<ModelManifest> {
  const log = options.log ?? (() => {});
  await prepareOutputDirectory(options.out, log);
  const inputs = await readInputs(src, options);
  const manifest = await writeModelDirectory(options.out, (dir) => writeModelFiles(dir, src, options, inputs));
  log(`wrote ${options.out}`);
  return manifest;
}

function manifestFor(src: TsdsrSources, o: TsdsrImportOptions, channels: number, factor: number, scalingFactor: number, shiftFactor: number, mmditConfig: MmditConfig, timestep: number): ModelManifest {
  const maxLatent = mmditConfig.posEmbedMaxSize * mmditConfig.patchSize;
  return {
    id: o.id ?? 'tsdsr',
    name: o.name ?? 'TSD-SR',
    description: 'One-step diffusion super-resolution (Target Score Distillation) on Stable Diffusion 3.',
    kind: 'tsdsr',
    scales: [2, 3, 4],
    graphs: { encoder: 'encoder.onnx', denoiser: 'denoiser.onnx', decoder: 'decoder.onnx' },
    io: { input: 'image', output: 'image', layout: 'NCHW', channels: 3, range: [-1, 1], batch: false },
    tile: { size: 1024, overlap: 128, margin: 32 },
    colorFix: 'wavelet',
    latent: { channels, factor, scalingFactor, shiftFactor, timestep, cubicA: -0.75, tile: { size: Math.min(64, maxLatent), overlap: 8 }, multiple: mmditConfig.patchSize },
    license: 'the licences of the imported Stable Diffusion 3 and TSD-SR weights apply',
    provenance: {
      importedBy: 'tsdsr models import',
      sd3: resolve(src.sd3),
      lora: resolve(src.lora),
      embeddings: resolve(src.embeds),
      encoder: 'VAE posterior mean (the reference inference samples the posterior)',
      loraMerged: true,
      weightStorage: o.fp16 ? 'float16 (computed in float32)' : 'float32',
      importedAt: new Date().toISOString(),
    },
  };
}
