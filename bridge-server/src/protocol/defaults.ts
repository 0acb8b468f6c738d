/** What a v1 server uses when a request leaves something out; plain constants, so the plugin's sandbox bundle can import them. */

/**
 * Model used when a request names none: the shipped chooser, which runs tsdsr-fast on clean images, tsdsr-real on
 * noisy or compressed ones (a degradation estimate per image) and tsdsr-real-graphics on noisy or compressed graphics
 * (icons, screenshots, text), and says which it ran.
 */
export const DEFAULT_MODEL = 'tsdsr-auto';
/** Models used instead of {@link DEFAULT_MODEL}, the first installed one, when that one is not installed. */
export const FALLBACK_MODELS: readonly string[] = Object.freeze(['tsdsr-fast', 'bicubic']);
/** Scale used when a request names none. */
export const DEFAULT_SCALE = 4;
