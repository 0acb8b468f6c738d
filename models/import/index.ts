/** Importing downloaded weights into model directories: TSD-SR on SD3 with its LoRA merged at the scale its files state, and ncnn models (Upscayl's). */
export { ImportError } from './errors.ts';
export { importTsdsr, type TsdsrImportOptions, type TsdsrSources } from './tsdsr.ts';
export { UNKNOWN_ALPHA_HINT, loraScale, resolveLoraScales, type AlphaEvidence, type AlphaSetting, type LoraScales } from './lora-alpha.ts';
export { locateLora, planLora, readLoraAdapter, type LoraLocation, type LoraPlan } from './lora-file.ts';
export { peftModuleScale, peftPatternValue, peftScaleConfig, type PeftModuleScale, type PeftPattern, type PeftScaleConfig } from './peft-config.ts';
export { isTsdsrReleaseLayout, type LoraComponent } from './tsdsr-release.ts';
export { convertNcnn, importNcnn, locateNcnnModels, NCNN_DEFAULT_TILE, ncnnModelId, type NcnnImportOptions, type NcnnModelFiles } from './ncnn.ts';
