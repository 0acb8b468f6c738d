/** The bridge addresses Figma lets the plugin window reach: manifest.json's `networkAccess.allowedDomains`, read at build time. */
import manifest from '../../../manifest.json' with { type: 'json' };

/** `host:port` of each allowed domain, once each (the http and ws entries of one address count once). */
export const ALLOWED_ADDRESSES: readonly string[] = Object.freeze([
  ...new Set(manifest.networkAccess.allowedDomains.map((domain) => new URL(domain).host)),
]);

/** The allowed addresses for a sentence: `a`, `a and b`, `a, b and c`, each in backticks (shown as code). */
export function allowedAddressesText(addresses: readonly string[] = ALLOWED_ADDRESSES): string {
  const quoted = addresses.map((address) => `\`${address}\``);
  return quoted.length <= 1 ? (quoted[0] ?? '') : `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1)}`;
}
