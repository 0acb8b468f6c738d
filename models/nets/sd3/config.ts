/** Configuration of diffusers' SD3Transformer2DModel (the MMDiT), read from a diffusers `config.json`. */

/** SD3Transformer2DModel's config (SD3.5's dual attention and qk-norm are not supported). */
export interface MmditConfig {
  sampleSize: number;
  patchSize: number;
  inChannels: number;
  numLayers: number;
  attentionHeadDim: number;
  numAttentionHeads: number;
  jointAttentionDim: number;
  captionProjectionDim: number;
  pooledProjectionDim: number;
  outChannels: number;
  posEmbedMaxSize: number;
}

/** Stable Diffusion 3 medium's transformer. */
export const SD3_MEDIUM_CONFIG: Readonly<MmditConfig> = Object.freeze({
  sampleSize: 128,
  patchSize: 2,
  inChannels: 16,
  numLayers: 24,
  attentionHeadDim: 64,
  numAttentionHeads: 24,
  jointAttentionDim: 4096,
  captionProjectionDim: 1536,
  pooledProjectionDim: 2048,
  outChannels: 16,
  posEmbedMaxSize: 192,
});

const DEFAULTS: Readonly<Record<string, number>> = Object.freeze({
  sample_size: 128, patch_size: 2, in_channels: 16, num_layers: 18, attention_head_dim: 64, num_attention_heads: 18,
  joint_attention_dim: 4096, caption_projection_dim: 1152, pooled_projection_dim: 2048, out_channels: 16, pos_embed_max_size: 96,
});

function field(json: Record<string, unknown>, key: string): number {
  const v = json[key] ?? DEFAULTS[key];
  if (typeof v !== 'number') throw new Error(`SD3Transformer2DModel config: ${key} must be a number, got ${JSON.stringify(v)}`);
  return v;
}

/** Reads a diffusers SD3Transformer2DModel `config.json` (diffusers' defaults for absent keys); refuses SD3.5-only features. */
export function mmditConfigFromDiffusers(json: Record<string, unknown>): MmditConfig {
  const dual = json.dual_attention_layers;
  if ((Array.isArray(dual) && dual.length > 0) || (json.qk_norm !== undefined && json.qk_norm !== null)) {
    throw new Error('SD3Transformer2DModel config: SD3.5 features (dual_attention_layers, qk_norm) are not supported');
  }
  return {
    sampleSize: field(json, 'sample_size'),
    patchSize: field(json, 'patch_size'),
    inChannels: field(json, 'in_channels'),
    numLayers: field(json, 'num_layers'),
    attentionHeadDim: field(json, 'attention_head_dim'),
    numAttentionHeads: field(json, 'num_attention_heads'),
    jointAttentionDim: field(json, 'joint_attention_dim'),
    captionProjectionDim: field(json, 'caption_projection_dim'),
    pooledProjectionDim: field(json, 'pooled_projection_dim'),
    outChannels: json.out_channels === null ? field(json, 'in_channels') : field(json, 'out_channels'),
    posEmbedMaxSize: field(json, 'pos_embed_max_size'),
  };
}

/** Width of the transformer's hidden states: heads × head size. */
export const mmditInnerDim = (config: MmditConfig): number => config.numAttentionHeads * config.attentionHeadDim;
