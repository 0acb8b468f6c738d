/** LoRA in peft's layout: reading adapters (TSD-SR's files included), merging into base weights, or branches as graph inputs. */
export {
  LORA_KEY_PREFIXES, TSDSR_TRANSFORMER_TARGETS, loraFromWeights, loraInputSpec, parseLoraKey, peftConfigFromJson, peftTargetMatcher,
  type LoraAdapter, type LoraModule, type LoraOptions, type PeftLoraConfig,
} from './adapter.ts';
export { mergeLora, mergedWeight, type MergeOptions } from './merge.ts';
