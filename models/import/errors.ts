/** The importer's one error type: refused input, named with what was expected and what to do. */

/** Refused input: a missing or malformed download, or a LoRA whose scale cannot be known, named with what was expected. */
export class ImportError extends Error {
  override name = 'ImportError';
}
