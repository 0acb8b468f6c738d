/** Security as a fastify plugin: Origin allowlist and CORS on every request, the bearer token on routes that need it. */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { bearerToken, tokensMatch } from '../auth/token.ts';
import { normaliseOrigin, originAllowed } from '../auth/origin.ts';
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
  }
}

/** Options of the security plugin. */
export interface SecurityOptions {
  token: string;
  /** Web origins allowed besides none and `null`, e.g. `http://localhost:5173`. */
  allowOrigins: readonly string[];
}

const CORS_HEADERS = {
  'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
  'access-control-allow-headers': 'authorization, content-type',
  'access-control-max-age': '600',
};

function checkToken(request: FastifyRequest, token: string, mode: AuthMode): void {
  const presented = bearerToken(request.headers.authorization);
  if (mode === 'none' || (mode === 'optional' && request.headers.authorization === undefined)) return;
  if (!tokensMatch(presented, token)) {
    const why = request.headers.authorization === undefined ? 'this request needs the pairing token' : 'the pairing token is wrong';
    throw new BridgeError('unauthorized', `${why}: send "Authorization: Bearer <token>" (run \`tsdsr token\` to see it)`);
  }
  request.authenticated = true;
}

const security: FastifyPluginAsync<SecurityOptions> = async (app, options) => {
  const allowed = new Set(options.allowOrigins.map(normaliseOrigin));
  app.decorateRequest('authenticated', false);

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const origin = request.headers.origin;
    if (!originAllowed(origin, allowed)) {
      throw new BridgeError('forbidden_origin', `origin ${origin} may not use this server (start it with --allow-origin ${origin} to allow it)`);
    }
    if (origin !== undefined) void reply.headers({ 'access-control-allow-origin': origin, vary: 'Origin' });
    if (request.method === 'OPTIONS') {
      await reply.code(204).headers(CORS_HEADERS).send();
      return reply;
    }
    checkToken(request, options.token, request.routeOptions.config.auth ?? 'required');
  });
};

/** The security plugin (applies to the whole app). */
export const securityPlugin = fp(security, { name: 'tsdsr-security', fastify: '5.x' });
