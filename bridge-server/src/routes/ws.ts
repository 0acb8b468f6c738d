/** `GET /v1/ws`: the WebSocket endpoint of protocol v1 (the token is checked in the `hello` message; Host, Origin and caps before the upgrade). */
import type { FastifyPluginAsync } from 'fastify';
import { BridgeError } from '../errors.ts';
import { ClientSession } from '../ws/session.ts';

/** Options of the WebSocket route. */
export interface WsRouteOptions {
  /** Open WebSocket connections allowed in all; more are refused before the upgrade. */
  maxWebSockets: number;
}

/** Opens one ClientSession per connection; closes every session when the pairing token changes, and a user's sessions when their token is revoked. */
export const wsRoutes: FastifyPluginAsync<WsRouteOptions> = async (app, options) => {
  const sessions = new Set<ClientSession>();
  const stopListening = app.tokens.onChange(() => {
    for (const session of sessions) session.revoke();
  });
  const stopRevoking = app.tokens.onRevoke((names) => {
    for (const session of sessions) {
      if (names.has(session.user)) session.revoke(`the token of user ${session.user} was revoked; ask the bridge's administrator for a new one`);
    }
  });
  app.addHook('onClose', async () => {
    stopListening();
    stopRevoking();
  });

  app.get('/v1/ws', {
    websocket: true,
    config: { auth: 'none' },
    preHandler: async () => {
      if (sessions.size >= options.maxWebSockets) {
        throw new BridgeError('unavailable', `the bridge has ${sessions.size} WebSocket connections open (the limit); close another window or script and retry`);
      }
    },
  }, (socket, request) => {
    const session = new ClientSession(socket, app, request.ip);
    sessions.add(session);
    socket.once('close', () => sessions.delete(session));
  });
};
