/** What a v1 server uses when a request leaves something out; plain constants, so the plugin's sandbox bundle can import them. */

/** Model used when a request names none: the shipped one-step TSD-SR student. */
export const DEFAULT_MODEL = 'tsdsr-fast';
/** Model used instead of {@link DEFAULT_MODEL} when that one is not installed. */
export const FALLBACK_MODEL = 'bicubic';
/** Scale used when a request names none. */
export const DEFAULT_SCALE = 4;
