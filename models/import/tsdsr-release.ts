/**
 * What TSD-SR's published LoRA looks like, so it imports without `--lora-alpha`. The release (`checkpoint/tsdsr`) holds
 * `transformer.safetensors` and `vae.safetensors` with only peft factors under a `transformer.` prefix (both files),
 * no adapter_config.json and no alphas; its inference script (`test/test_tsdsr.py`) builds
 * `LoraConfig(r=args.rank, lora_alpha=args.rank, ...)` for each model, so every module's scale is 1 (alpha = rank).
 */
import { TSDSR_TRANSFORMER_TARGETS, peftTargetMatcher } from '../nets/index.ts';

/** The two models TSD-SR adapts; each has its own LoRA file. */
export type LoraComponent = 'transformer' | 'vae';

/** Every key of a release file: `transformer.<module>.lora_A.weight` or `.lora_B.weight`, nothing else. */
const RELEASE_KEY = /^transformer\.(.+)\.lora_[AB]\.weight$/;

const isTransformerTarget = peftTargetMatcher(TSDSR_TRANSFORMER_TARGETS);
/** TSD-SR's VAE targets: every layer of the encoder and `quant_conv`. */
const isVaeTarget = (module: string): boolean => module.startsWith('encoder.') || module === 'quant_conv';

/** Whether a LoRA file's tensor names are those of TSD-SR's release for this model (its module keys within TSD-SR's targets). */
export function isTsdsrReleaseLayout(component: LoraComponent, names: readonly string[]): boolean {
  const isTarget = component === 'transformer' ? isTransformerTarget : isVaeTarget;
  return names.length > 0 && names.every((name) => {
    const module = RELEASE_KEY.exec(name)?.[1];
    return module !== undefined && isTarget(module);
  });
}
