/** The small denoiser as a pure function: a conv UNet on latents, conditioned on the timestep and a style embedding, predicting velocity. */
import { Graph, add, concat, mul, sub, tensor, unsqueeze, type Value } from '../../graph/index.ts';
import { conv3x3 } from '../internal/layers.ts';
import { Params, type BuildOptions } from '../internal/params.ts';
import type { WeightSource } from '../weights.ts';
import { downsample, embeddingMlp, normActConv, normSpec, resnetBlock, timestepProjection, upsample } from './blocks.ts';
import { smallDenoiserMultiple, type SmallDenoiserConfig } from './config.ts';
import { NULL_STYLE_KEY } from './init.ts';
import { smallDenoiserLayout } from './layout.ts';
import type { SmallGraphSize } from './vae.ts';

/** The denoiser's inputs, in the same call shape as the SD3 transformer's. */
export interface SmallDenoiserInputs {
  /** Latent × scaling factor [N, C, H, W]; H and W static (multiples of `smallDenoiserMultiple`) or symbolic. */
  hiddenStates: Value;
  /** Timesteps [N] on the 0..1000 scale. */
  timestep: Value;
  /** Style embeddings [N, styleEmbedDim]; the stand-in for the text prompt. */
  condition: Value;
  /** Optional [N] float32: 1 replaces a sample's condition by the learned null embedding (style dropout for CFG), 0 keeps it. */
  dropCondition?: Value;
}

/** The module keys the student and the fake-score model adapt with LoRA (peft-style target suffixes). */
export const SMALL_DENOISER_LORA_TARGETS: readonly string[] = Object.freeze(['conv_in', 'conv1', 'conv2', 'conv_shortcut', 'time_emb_proj', 'conv', 'conv_out']);

/** The module keys of the small VAE encoder the student adapts with LoRA (apply to the encoder graph only). */
export const SMALL_VAE_ENCODER_LORA_TARGETS: readonly string[] = Object.freeze(['conv_in', 'conv1', 'conv2', 'conv_shortcut', 'conv', 'conv_out']);

/** The style vector after style dropout: condition + drop · (null − condition). */
function styleInput(p: Params, inputs: SmallDenoiserInputs): Value {
  const { g } = p;
  if (!inputs.dropCondition) return inputs.condition;
  const towardNull = sub(g, p.get(NULL_STYLE_KEY), inputs.condition);
  return add(g, inputs.condition, mul(g, unsqueeze(g, inputs.dropCondition, [1]), towardNull));
}

/** The conditioning vector [N, timeEmbedDim]: MLP(sinusoidal timestep) + MLP(style). */
function conditioning(p: Params, inputs: SmallDenoiserInputs): Value {
  const time = embeddingMlp(p, 'time_embedding', timestepProjection(p, inputs.timestep));
  return add(p.g, time, embeddingMlp(p, 'style_embedding', styleInput(p, inputs)));
}

function checkLatentSize(x: Value, multiple: number): void {
  for (const d of x.shape.slice(2)) {
    if (typeof d === 'number' && d % multiple !== 0) throw new Error(`small denoiser: latent size ${d} is not a multiple of ${multiple}`);
  }
}

/** The denoiser forward pass: the flow-matching velocity [N, out_channels, H, W]. */
export function smallDenoiser(g: Graph, weights: WeightSource, config: SmallDenoiserConfig, inputs: SmallDenoiserInputs, options: BuildOptions = {}): Value {
  checkLatentSize(inputs.hiddenStates, smallDenoiserMultiple(config));
  const p = new Params(g, weights, options);
  const { down, up } = smallDenoiserLayout(config);
  const norm = normSpec(config);
  const temb = conditioning(p, inputs);
  let h = conv3x3(p, down.convIn.key, inputs.hiddenStates);
  const skips = [h];
  for (const level of down.levels) {
    for (const r of level.resnets) skips.push((h = resnetBlock(p, r, h, norm, temb)));
    if (level.resample) skips.push((h = downsample(p, level.resample, h, false)));
  }
  for (const r of down.mid) h = resnetBlock(p, r, h, norm, temb);
  for (const level of up) {
    for (const r of level.resnets) h = resnetBlock(p, r, concat(g, [h, skips.pop() as Value], 1), norm, temb);
    if (level.resample) h = upsample(p, level.resample, h);
  }
  return normActConv(p, down.normOut.key, down.convOut, h, norm);
}

/** A standalone denoiser graph with inputs `hidden_states`, `timestep`, `condition` and output `sample` (the velocity). */
export function smallDenoiserGraph(weights: WeightSource, config: SmallDenoiserConfig, size: SmallGraphSize = {}, options: BuildOptions = {}): Graph {
  const g = new Graph('small_denoiser');
  const n = size.batch ?? 'N';
  const inputs: SmallDenoiserInputs = {
    hiddenStates: g.input('hidden_states', 'float32', [n, config.inChannels, size.height ?? 'H', size.width ?? 'W']),
    timestep: g.input('timestep', 'float32', [n]),
    condition: g.input('condition', 'float32', [n, config.styleEmbedDim]),
  };
  g.output(smallDenoiser(g, weights, config, inputs, options), 'sample');
  return g;
}

/**
 * The runtime's denoiser graph (`tsdsr` model directories): input `latent` [N, C, h, w] (× scaling factor), output
 * `velocity` = σ·v with σ = timestep / 1000, so the runtime's ẑ = z − velocity is the one-step x₀; the timestep
 * (default the distilled 1000) and the style embedding are baked in as constants.
 */
export function smallStudentDenoiserGraph(weights: WeightSource, config: SmallDenoiserConfig, style: Float32Array, timestep = 1000, options: BuildOptions = {}): Graph {
  if (style.length !== config.styleEmbedDim) throw new Error(`small denoiser: style embedding has ${style.length} values, the config expects ${config.styleEmbedDim}`);
  const g = new Graph('small_tsdsr_denoiser');
  const velocity = smallDenoiser(g, weights, config, {
    hiddenStates: g.input('latent', 'float32', ['N', config.inChannels, 'h', 'w']),
    timestep: g.constant(tensor('float32', [1], Float32Array.of(timestep)), 'timestep'),
    condition: g.constant(tensor('float32', [1, style.length], style), 'style_embedding'),
  }, options);
  g.output(timestep === 1000 ? velocity : mul(g, velocity, timestep / 1000), 'velocity');
  return g;
}
