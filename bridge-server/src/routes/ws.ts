/** `GET /v1/ws`: the WebSocket endpoint of protocol v1 (the token is checked in the `hello` message, the Origin before the upgrade). */
import type { FastifyPluginAsync } from 'fastify';
import { ClientSession } from '../ws/session.ts';

/** Options of the WebSocket route. */
export interface WsRouteOptions {
  token: string;
}

/** Opens one ClientSession per connection. */
export const wsRoutes: FastifyPluginAsync<WsRouteOptions> = async (app, options) => {
  app.get('/v1/ws', { websocket: true, config: { auth: 'none' } }, (socket) => {
    new ClientSession(socket, app, options.token);
  });
};
