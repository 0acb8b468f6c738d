/** Connection limits: open TCP connections per address (HTTP and WebSocket together), answered 503 and closed past the cap. */
import type { Socket } from 'node:net';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { errorBody } from './errors.ts';
import { BridgeError } from '../errors.ts';

/** Options of the connections plugin. */
export interface ConnectionLimitOptions {
  maxPerAddress: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Open TCP connections by remote address. */
    openConnections: ReadonlyMap<string, number>;
  }
}

function refuse(socket: Socket, limit: number): void {
  const error = new BridgeError('unavailable', `your address already has ${limit} connections open to this server (the limit); close some and retry`);
  const body = JSON.stringify(errorBody(error));
  socket.end(`HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  socket.destroySoon();
}

const connections: FastifyPluginAsync<ConnectionLimitOptions> = async (app, options) => {
  const open = new Map<string, number>();
  app.decorate('openConnections', open);
  app.server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = open.get(address) ?? 0;
    if (count >= options.maxPerAddress) return refuse(socket, options.maxPerAddress);
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
};

/** The connections plugin (applies to the whole server). */
export const connectionsPlugin = fp(connections, { name: 'tsdsr-connections', fastify: '5.x' });
