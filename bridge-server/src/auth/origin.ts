/** The Origin allowlist: scripts (no Origin) and the Figma plugin iframe (`Origin: null`) pass, web pages only when listed. */

/** Normalises an origin for comparison: lower case, no trailing slash. */
export function normaliseOrigin(origin: string): string {
  return origin.trim().toLowerCase().replace(/\/+$/, '');
}

/** Decides whether a request's Origin header may use the server. */
export function originAllowed(origin: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (origin === undefined) return true;
  const normalised = normaliseOrigin(origin);
  return normalised === 'null' || allowed.has(normalised);
}
