/** WebSocket support: @fastify/websocket with the frame size limit, and refused upgrades answered over HTTP then closed. */
import websocket from '@fastify/websocket';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { CLOSE_CODES } from '../protocol/index.ts';

/** Options of the WebSocket plugin. */
export interface WebsocketOptions {
  /** Largest frame in bytes; larger ones close the connection with 1009. */
  maxPayload: number;
}

const websocketSupport: FastifyPluginAsync<WebsocketOptions> = async (app, options) => {
  await app.register(websocket, {
    options: { maxPayload: options.maxPayload },
    // On close, clients are told why (1001 going away) rather than getting a close without a code.
    preClose(done) {
      for (const client of app.websocketServer.clients) client.close(CLOSE_CODES.going_away, 'the server is shutting down');
      app.websocketServer.close(() => done());
    },
  });
  // An upgrade refused before the handler (Origin, unknown path) is answered on the raw socket; nothing else ends it.
  app.addHook('onResponse', async (request) => {
    if (request.headers.upgrade?.toLowerCase() === 'websocket') request.raw.socket?.end();
  });
};

/** The WebSocket plugin (applies to the whole app). */
export const websocketPlugin = fp(websocketSupport, { name: 'tsdsr-websocket', fastify: '5.x' });
