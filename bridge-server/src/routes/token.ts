/** `POST /v1/token/reload`: re-reads the token and users files after `tsdsr token --rotate|add|revoke`; the caller proves it holds the file's (new) pairing token. */
import type { FastifyPluginAsync } from 'fastify';
import { bearerToken } from '../auth/token.ts';
import { BridgeError } from '../errors.ts';
import { answerWrongToken } from '../plugins/security.ts';
import { TokenReloadBody, type TokenReloadBody as Reloaded } from '../protocol/index.ts';

/** The token route: the new token takes effect at once and sessions paired with the old one are closed. */
export const tokenRoutes: FastifyPluginAsync = async (app) => {
  app.post('/v1/token/reload', { config: { auth: 'none' }, schema: { response: { 200: TokenReloadBody } } }, async (request): Promise<Reloaded> => {
    const changed = await app.tokens.reload();
    if (!app.tokens.isOwner(bearerToken(request.headers.authorization))) {
      await answerWrongToken(app.authThrottle, request.ip);
      throw new BridgeError('unauthorized', 'send the token from the token file: "Authorization: Bearer <token>"');
    }
    app.authThrottle.succeed(request.ip);
    return { changed };
  });
};
