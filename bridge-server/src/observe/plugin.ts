/** `GET /v1/metrics` (token required): the bridge's metrics in Prometheus text format; also decorates the app with them. */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { BridgeMetrics } from './metrics.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Job, queue and model metrics, and the last job error. */
    metrics: BridgeMetrics;
  }
}

const metrics: FastifyPluginAsync<{ metrics: BridgeMetrics }> = async (app, options) => {
  app.decorate('metrics', options.metrics);
  app.get('/v1/metrics', async (_request, reply) => {
    const text = await options.metrics.registry.metrics();
    return reply.type(options.metrics.registry.contentType).send(text);
  });
};

/** The metrics plugin (the decoration is visible to the whole app). */
export const metricsPlugin = fp(metrics, { name: 'tsdsr-metrics', fastify: '5.x', dependencies: ['tsdsr-services'] });
