/** The Host check against DNS rebinding: only the names this server is reached by may appear in a request's Host header. */
import { isIP } from 'node:net';

/** The loopback names every bridge answers to. */
export const LOOPBACK_HOSTS = Object.freeze(['localhost', '127.0.0.1', '[::1]']);

/** Addresses that bind every interface; with them any IP literal is a valid Host (a rebinding page always uses a name). */
const WILDCARD_ADDRESSES = new Set(['0.0.0.0', '::', '[::]']);

/** Which Host names a server accepts. */
export interface HostPolicy {
  /** Host names (lower case; IPv6 in brackets) accepted besides IP literals. */
  names: ReadonlySet<string>;
  /** True when the server binds every interface: any IP literal is then accepted too. */
  anyAddress: boolean;
}

/** The hostname of a Host header value, normalised as a URL parser does (lower case, IPv6 bracketed), or undefined if malformed. */
export function hostnameOf(host: string): string | undefined {
  if (host === '' || /[\s/\\?#@]/.test(host)) return undefined;
  try {
    const url = new URL(`http://${host}`);
    return url.hostname === '' ? undefined : url.hostname;
  } catch {
    return undefined;
  }
}

/** The policy for a server bound to `bindHost` that also answers to `extraNames` (`--allow-host`). */
export function hostPolicy(bindHost: string | undefined, extraNames: readonly string[] = []): HostPolicy {
  const names = new Set(LOOPBACK_HOSTS);
  const bind = bindHost?.trim().toLowerCase();
  const anyAddress = bind !== undefined && WILDCARD_ADDRESSES.has(bind);
  for (const name of [...(bind && !anyAddress ? [bind] : []), ...extraNames]) {
    const normalised = hostnameOf(isIP(name) === 6 ? `[${name}]` : name);
    if (normalised) names.add(normalised);
  }
  return { names, anyAddress };
}

/** True for loopback IP literals as a URL parser writes them: 127.0.0.0/8, [::1] and IPv4-mapped [::ffff:7fxx:xxxx]. */
function isLoopbackLiteral(hostname: string): boolean {
  return /^127\.\d+\.\d+\.\d+$/.test(hostname) || hostname === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(hostname);
}

/** Decides whether a request's Host header names this server. */
export function hostAllowed(host: string | undefined, policy: HostPolicy): boolean {
  if (host === undefined) return false;
  const hostname = hostnameOf(host);
  if (hostname === undefined) return false;
  if (policy.names.has(hostname) || isLoopbackLiteral(hostname)) return true;
  return policy.anyAddress && isIP(hostname.replace(/^\[|\]$/g, '')) !== 0;
}
