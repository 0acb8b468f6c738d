/**
 * The small family's structure as data: every module key with its channel counts, derived from a config.
 * The architectures walk these layouts and the initialisers turn them into weight shapes, so both agree.
 */
import type { SmallDenoiserConfig, SmallVaeConfig } from './config.ts';

/** A convolution module `<key>.weight` [out, in, k, k] with `<key>.bias` [out]. */
export interface ConvSpec {
  key: string;
  inChannels: number;
  outChannels: number;
  kernel: number;
}

/** A ResnetBlock2D: norm1, conv1, norm2, conv2, a 1×1 conv_shortcut when widths differ, time_emb_proj (scale and shift) when conditioned. */
export interface ResnetSpec {
  key: string;
  inChannels: number;
  outChannels: number;
  timeEmbedDim: number | null;
}

/** One resolution level: its ResNet blocks and the conv of its down- or up-sampler (null on the last level). */
export interface LevelSpec {
  resnets: ResnetSpec[];
  resample: ConvSpec | null;
}

/** An encoder, decoder or UNet: input conv, levels, mid block, output norm and conv. */
export interface NetLayout {
  convIn: ConvSpec;
  levels: LevelSpec[];
  mid: ResnetSpec[];
  normOut: { key: string; channels: number };
  convOut: ConvSpec;
}

const conv3 = (key: string, inChannels: number, outChannels: number): ConvSpec => ({ key, inChannels, outChannels, kernel: 3 });

function midBlock(prefix: string, channels: number, layers: number, timeEmbedDim: number | null): ResnetSpec[] {
  return Array.from({ length: layers }, (_, k) => ({ key: `${prefix}mid_block.resnets.${k}`, inChannels: channels, outChannels: channels, timeEmbedDim }));
}

/** The VAE encoder after the stem: down blocks (ResNets, then a stride-2 conv), mid block, conv_out to mean and log-variance. */
export function smallVaeEncoderLayout(config: SmallVaeConfig): NetLayout {
  const widths = config.encoderChannels;
  const last = widths[widths.length - 1] as number;
  const stemChannels = config.inChannels * config.stemFactor ** 2;
  const levels = widths.map((width, i): LevelSpec => {
    const key = `encoder.down_blocks.${i}`;
    const resnets = Array.from({ length: config.encoderLayersPerBlock }, (_, j) => ({
      key: `${key}.resnets.${j}`, inChannels: j === 0 ? (widths[Math.max(0, i - 1)] as number) : width, outChannels: width, timeEmbedDim: null,
    }));
    return { resnets, resample: i < widths.length - 1 ? conv3(`${key}.downsamplers.0.conv`, width, width) : null };
  });
  return {
    convIn: conv3('encoder.conv_in', stemChannels, widths[0] as number),
    levels,
    mid: midBlock('encoder.', last, config.midLayers, null),
    normOut: { key: 'encoder.conv_norm_out', channels: last },
    convOut: conv3('encoder.conv_out', last, 2 * config.latentChannels),
  };
}

/** The VAE decoder before the head: conv_in, mid block, up blocks (ResNets, then nearest ×2 and a conv to the next width), conv_out. */
export function smallVaeDecoderLayout(config: SmallVaeConfig): NetLayout {
  const widths = config.decoderChannels;
  const first = widths[0] as number;
  const last = widths[widths.length - 1] as number;
  const levels = widths.map((width, i): LevelSpec => {
    const key = `decoder.up_blocks.${i}`;
    const resnets = Array.from({ length: config.decoderLayersPerBlock }, (_, j) => ({ key: `${key}.resnets.${j}`, inChannels: width, outChannels: width, timeEmbedDim: null }));
    return { resnets, resample: i < widths.length - 1 ? conv3(`${key}.upsamplers.0.conv`, width, widths[i + 1] as number) : null };
  });
  return {
    convIn: conv3('decoder.conv_in', config.latentChannels, first),
    levels,
    mid: midBlock('decoder.', first, config.midLayers, null),
    normOut: { key: 'decoder.conv_norm_out', channels: last },
    convOut: conv3('decoder.conv_out', last, config.outChannels * config.stemFactor ** 2),
  };
}

/** The denoiser's down path (diffusers UNet2DModel): every ResNet and down-sampler output is kept as a skip. */
function denoiserDown(config: SmallDenoiserConfig, skips: number[]): LevelSpec[] {
  const widths = config.blockOutChannels;
  let channels = widths[0] as number;
  return widths.map((width, i) => {
    const resnets = Array.from({ length: config.layersPerBlock }, (_, j) => {
      const spec = { key: `down_blocks.${i}.resnets.${j}`, inChannels: channels, outChannels: width, timeEmbedDim: config.timeEmbedDim };
      skips.push((channels = width));
      return spec;
    });
    const resample = i < widths.length - 1 ? conv3(`down_blocks.${i}.downsamplers.0.conv`, width, width) : null;
    if (resample) skips.push(width);
    return { resnets, resample };
  });
}

/** The denoiser's up path: each ResNet takes the running features concatenated with one skip, last in first out. */
function denoiserUp(config: SmallDenoiserConfig, skips: number[]): LevelSpec[] {
  const reversed = [...config.blockOutChannels].reverse();
  let channels = reversed[0] as number;
  return reversed.map((width, i) => {
    const resnets = Array.from({ length: config.layersPerBlock + 1 }, (_, j) => {
      const spec = { key: `up_blocks.${i}.resnets.${j}`, inChannels: channels + (skips.pop() as number), outChannels: width, timeEmbedDim: config.timeEmbedDim };
      channels = width;
      return spec;
    });
    return { resnets, resample: i < reversed.length - 1 ? conv3(`up_blocks.${i}.upsamplers.0.conv`, width, width) : null };
  });
}

/** The denoiser UNet: conv_in, down levels, mid block, up levels (mirrored, with skips), conv_out to the velocity. */
export function smallDenoiserLayout(config: SmallDenoiserConfig): { down: NetLayout; up: LevelSpec[] } {
  const widths = config.blockOutChannels;
  const [first, last] = [widths[0] as number, widths[widths.length - 1] as number];
  const skips = [first];
  const levels = denoiserDown(config, skips);
  const up = denoiserUp(config, skips);
  const down: NetLayout = {
    convIn: conv3('conv_in', config.inChannels, first),
    levels,
    mid: midBlock('', last, config.midLayers, config.timeEmbedDim),
    normOut: { key: 'conv_norm_out', channels: first },
    convOut: conv3('conv_out', first, config.outChannels),
  };
  return { down, up };
}

/** Every ResNet of a layout. */
export const layoutResnets = (layout: NetLayout, extra: readonly LevelSpec[] = []): ResnetSpec[] =>
  [...layout.levels, ...extra].flatMap((l) => l.resnets).concat(layout.mid);

/** Throws unless every normalised width splits into the GroupNorm groups. */
export function checkGroups(what: string, resnets: readonly ResnetSpec[], normOut: number, groups: number): void {
  for (const r of resnets) {
    for (const c of [r.inChannels, r.outChannels]) {
      if (c % groups !== 0) throw new Error(`${what}: ${r.key} has ${c} channels, which do not split into ${groups} GroupNorm groups`);
    }
  }
  if (normOut % groups !== 0) throw new Error(`${what}: ${normOut} output channels do not split into ${groups} GroupNorm groups`);
}
