/** Errors the runtime raises, each with a stable code the bridge and CLI report as they are. */

/** A job was cancelled through its AbortSignal; raised before the next tile batch runs. */
export class CancelledError extends Error {
  override name = 'CancelledError';
  readonly code = 'cancelled';
  constructor(message = 'cancelled') {
    super(message);
  }
}

/** The requested scale factor cannot be produced. */
export class ScaleError extends Error {
  override name = 'ScaleError';
  readonly code = 'bad_scale';
}

/** Throws CancelledError when the signal has fired. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}
