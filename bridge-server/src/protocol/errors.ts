/** Stable error codes of protocol v1, their HTTP statuses and the WebSocket close codes for handshake failures. */

/** Every error code a v1 server may send, with the HTTP status REST answers it with. */
export const ERROR_STATUS = Object.freeze({
  bad_request: 400,
  bad_scale: 400,
  unauthorized: 401,
  forbidden_origin: 403,
  forbidden_host: 403,
  forbidden_path: 403,
  training_disabled: 403,
  unknown_model: 404,
  unknown_job: 404,
  not_found: 404,
  cancelled: 409,
  busy: 409,
  model_exists: 409,
  body_too_large: 413,
  too_many_pixels: 413,
  not_an_image: 415,
  unsupported_media_type: 415,
  bad_image: 422,
  version_mismatch: 426,
  queue_full: 429,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const);

/** A stable, machine-readable error code; the message next to it is for people. */
export type ErrorCode = keyof typeof ERROR_STATUS;

/** All error codes, for schemas and documentation. */
export const ERROR_CODES = Object.freeze(Object.keys(ERROR_STATUS) as ErrorCode[]);

/** True when a value is one of the v1 error codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_STATUS, value);
}

/** Close codes the server uses when it ends a WebSocket (4000-4999 are application codes). */
export const CLOSE_CODES = Object.freeze({
  /** The server is shutting down. */
  going_away: 1001,
  /** A frame exceeded the size limit (sent by the WebSocket layer itself). */
  message_too_big: 1009,
  /** The first message was not a valid `hello`, or no `hello` arrived in time. */
  bad_request: 4400,
  /** The `hello` carried a missing or wrong pairing token. */
  unauthorized: 4401,
  /** The client speaks a protocol version this server does not. */
  version_mismatch: 4426,
  /** Too many wrong tokens came from the client's address; it may try again after the lockout. */
  rate_limited: 4429,
} as const);
