/** Security as a fastify plugin: Host and Origin checks and CORS on every request, the bearer token where needed, wrong-token throttling. */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hostAllowed, type HostPolicy } from '../auth/host.ts';
import { normaliseOrigin, originAllowed } from '../auth/origin.ts';
import type { UserRateLimit } from '../auth/rate-limit.ts';
import { AuthThrottle, pause, type AuthThrottleOptions } from '../auth/throttle.ts';
import { bearerToken } from '../auth/token.ts';
import type { TokenStore } from '../auth/token-store.ts';
import { OWNER } from '../auth/users.ts';
import { BridgeError } from '../errors.ts';

/** How a route uses the pairing token: `required` (default), `optional` (checked only when sent), `none` (the route checks it itself). */
export type AuthMode = 'required' | 'optional' | 'none';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** See AuthMode. */
    auth?: AuthMode;
  }
  interface FastifyRequest {
    /** True when the request carried the right pairing token. */
    authenticated: boolean;
    /** Who the token belongs to (`owner` for the pairing token, else a user's name); empty when not authenticated. */
    user: string;
  }
  interface FastifyInstance {
    /** The pairing token the bridge accepts now. */
    tokens: TokenStore;
    /** Wrong-token counting per address, shared by REST and the WebSocket hello. */
    authThrottle: AuthThrottle;
    /** Jobs per minute per named user. */
    rateLimit: UserRateLimit;
  }
}

/** Options of the security plugin. */
export interface SecurityOptions {
  tokens: TokenStore;
  /** Web origins allowed besides none and `null`, e.g. `http://localhost:5173`. */
  allowOrigins: readonly string[];
  /** Host header names accepted (see auth/host.ts). */
  hosts: HostPolicy;
  throttle: AuthThrottleOptions;
  rateLimit: UserRateLimit;
}

const CORS_HEADERS = {
  'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
  'access-control-allow-headers': 'authorization, content-type',
  'access-control-max-age': '600',
};

/** Answer headers a page on an allowed origin may read besides the CORS-safelisted ones: the bridge's own, and the two its refusals and job starts use. */
const exposable = (name: string): boolean => name.startsWith('x-tsdsr-') || name === 'retry-after' || name === 'location';

/** The refusal for an address locked out after too many wrong tokens. */
export function lockedOutError(lockedMs: number): BridgeError {
  const seconds = Math.ceil(lockedMs / 1000);
  return new BridgeError('rate_limited', `too many wrong pairing tokens came from your address; try again in ${seconds} s (run \`tsdsr token\` to see the right one)`);
}

/** Throws `rate_limited` (with the seconds to wait) when a named user is over the jobs-per-minute limit; the owner is never limited. */
export function checkRateLimit(limit: UserRateLimit, user: string): void {
  if (user === OWNER) return;
  const waitMs = limit.take(user);
  if (waitMs === 0) return;
  const seconds = Math.ceil(waitMs / 1000);
  throw new BridgeError('rate_limited', `user ${user} is over the bridge's limit of jobs per minute; try again in ${seconds} s`, seconds);
}

/** Records a wrong token from `address` and waits the throttle's delay before the caller answers it. */
export async function answerWrongToken(throttle: AuthThrottle, address: string): Promise<void> {
  await pause(throttle.fail(address));
}

async function checkToken(request: FastifyRequest, tokens: TokenStore, throttle: AuthThrottle, mode: AuthMode): Promise<void> {
  if (mode === 'none' || (mode === 'optional' && request.headers.authorization === undefined)) return;
  const user = tokens.identify(bearerToken(request.headers.authorization));
  if (user === undefined) {
    await answerWrongToken(throttle, request.ip);
    const why = request.headers.authorization === undefined ? 'this request needs the pairing token' : 'the pairing token is wrong';
    throw new BridgeError('unauthorized', `${why}: send "Authorization: Bearer <token>" (run \`tsdsr token\` to see it)`);
  }
  throttle.succeed(request.ip);
  request.authenticated = true;
  request.user = user;
}

const security: FastifyPluginAsync<SecurityOptions> = async (app, options) => {
  const allowed = new Set(options.allowOrigins.map(normaliseOrigin));
  const throttle = new AuthThrottle(options.throttle);
  app.decorate('tokens', options.tokens);
  app.decorate('authThrottle', throttle);
  app.decorate('rateLimit', options.rateLimit);
  app.decorateRequest('authenticated', false);
  app.decorateRequest('user', '');

  // A browser hides every other answer header from the page unless it is listed here (what model ran, the output size).
  app.addHook('onSend', async (_request, reply, payload) => {
    if (reply.hasHeader('access-control-allow-origin')) {
      const names = Object.keys(reply.getHeaders()).filter(exposable);
      if (names.length > 0) void reply.header('access-control-expose-headers', names.join(', '));
    }
    return payload;
  });

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    // Answers are never sniffed as another type, and never cached (they may carry a user's images).
    void reply.headers({ 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
    const origin = request.headers.origin;
    const originOk = originAllowed(origin, allowed);
    // An allowed origin may read every answer, refusals included (the plugin shows why it was refused).
    if (originOk && origin !== undefined) void reply.headers({ 'access-control-allow-origin': origin, vary: 'Origin' });
    const host = request.headers.host;
    if (!hostAllowed(host, options.hosts)) {
      throw new BridgeError('forbidden_host', `this server does not answer to the host name ${JSON.stringify(host ?? '')} (use 127.0.0.1 or localhost, or start it with \`--allow-host <name>\`)`);
    }
    if (!originOk) {
      throw new BridgeError('forbidden_origin', `origin ${origin} may not use this server (start it with --allow-origin ${origin} to allow it)`);
    }
    if (request.method === 'OPTIONS') {
      await reply.code(204).headers(CORS_HEADERS).send();
      return reply;
    }
    const mode = request.routeOptions.config.auth ?? 'required';
    const lockedMs = throttle.lockedFor(request.ip);
    if (lockedMs > 0 && !(mode === 'optional' && request.headers.authorization === undefined)) {
      void reply.header('retry-after', String(Math.ceil(lockedMs / 1000)));
      throw lockedOutError(lockedMs);
    }
    await checkToken(request, options.tokens, throttle, mode);
  });
  app.addHook('onClose', async () => options.tokens.close());
};

/** The security plugin (applies to the whole app). */
export const securityPlugin = fp(security, { name: 'tsdsr-security', fastify: '5.x' });
