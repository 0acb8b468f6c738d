/** SD3's MMDiT (diffusers SD3Transformer2DModel): config, embeddings and the transformer graph. */
export { SD3_MEDIUM_CONFIG, mmditConfigFromDiffusers, mmditInnerDim, type MmditConfig } from './config.ts';
export { croppedPositions, sinCosPositionTable, timestepFrequencies } from './embeddings.ts';
export { mmdit, mmditGraph, type MmditGraphSize, type MmditInputs } from './mmdit.ts';
