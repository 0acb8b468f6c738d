/** The error every reader in models/io raises for a malformed or unsupported checkpoint file. */

/** A checkpoint file is malformed, truncated or holds something this reader refuses; the message names the file. */
export class CheckpointFormatError extends Error {
  override name = 'CheckpointFormatError';
  readonly code = 'bad_checkpoint';
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}
