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
/** Open TCP connections (HTTP and WebSocket together) one address may hold; more are answered 503 and closed. */
export const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 64;
/** Open WebSocket connections the server holds in all; more are refused with 503 `unavailable` before the upgrade. */
export const DEFAULT_MAX_WEBSOCKETS = 32;
/** Milliseconds a client has to send a request's complete headers (slow-loris). */
export const HEADERS_TIMEOUT_MS = 10_000;
/** Milliseconds a client has to send a whole request, body included. */
export const REQUEST_TIMEOUT_MS = 120_000;
/** Milliseconds an idle keep-alive HTTP connection stays open. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** Wrong tokens from one address, within the window, answered at once; later ones are answered after a growing delay. */
export const AUTH_FAILURES_BEFORE_DELAY = 5;
/** Wrong tokens from one address, within the window, after which the address is refused for the lockout time. */
export const AUTH_FAILURES_BEFORE_LOCKOUT = 20;
/** The window wrong tokens are counted in, and the lockout that follows too many of them, in milliseconds. */
export const AUTH_WINDOW_MS = 60_000;
export const AUTH_LOCKOUT_MS = 60_000;
/** Jobs a named user (a token from `tsdsr token add`) may start per minute by default, also the burst allowed; the pairing token is not limited. */
export const DEFAULT_JOBS_PER_MINUTE = 60;
/** Milliseconds a running job may take to finish after SIGTERM before it is stopped. */
export const DRAIN_TIMEOUT_MS = 30_000;
