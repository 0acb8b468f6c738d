/** Default limits of a v1 server; a server may be started with other values and reports none of them. */

/** Largest accepted image upload, REST body or WebSocket binary frame, in bytes. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
/** Largest accepted input image, in pixels (width times height), read from the image header. */
export const DEFAULT_MAX_INPUT_PIXELS = 16 * 1024 * 1024;
/** Largest result image, in pixels (width times height). */
export const DEFAULT_MAX_OUTPUT_PIXELS = 64 * 1024 * 1024;
/** Largest accepted JSON (text) frame on the WebSocket, in bytes. */
export const MAX_TEXT_FRAME_BYTES = 64 * 1024;
/** Jobs one client may have waiting or running at once. */
export const DEFAULT_MAX_JOBS_PER_CLIENT = 16;
/** Milliseconds a new WebSocket has to send its `hello`. */
export const HELLO_TIMEOUT_MS = 10_000;
/** Smallest and largest tile side a client may ask for, in input pixels. */
export const TILE_RANGE = Object.freeze({ min: 16, max: 2048 });
/** Scale factors are numbers in the half-open range (min, max]. */
export const SCALE_RANGE = Object.freeze({ min: 1, max: 8 });
