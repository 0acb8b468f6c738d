/** The Origin allowlist: scripts (no Origin) and the Figma plugin iframe (`Origin: null`) pass, web pages only when listed. */

/** Normalises a configured origin for comparison: the URL's own serialisation (lower-case scheme and host, no path). */
export function normaliseOrigin(origin: string): string {
  try {
    const serialised = new URL(origin.trim()).origin;
    if (serialised !== 'null') return serialised;
  } catch {
    // not a URL: compared as written
  }
  return origin.trim().replace(/\/+$/, '');
}

/**
 * Decides whether a request's Origin header may use the server. Origins are compared exactly as browsers serialise
 * them (so `NULL` is not `null`); `null` passes because the Figma plugin iframe sends it, but any page can produce it
 * with a sandboxed iframe, so passing here grants nothing: the token does.
 */
export function originAllowed(origin: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (origin === undefined) return true;
  return origin === 'null' || allowed.has(origin);
}
