/** `GET /v1/health` and `GET /v1/models`. */
import type { FastifyPluginAsync } from 'fastify';
import { HealthBody, ModelsBody, PROTOCOL_VERSION, type HealthBody as Health } from '../protocol/index.ts';
import { modelVersion } from '../observe/index.ts';
import { modelInfo } from '../registry.ts';

/** Health (version info for anyone allowed by Origin; with the token also devices, models, queue, uptime and the last job error) and the model list. */
export const infoRoutes: FastifyPluginAsync = async (app) => {
  app.get('/v1/health', { config: { auth: 'optional' }, schema: { response: { 200: HealthBody } } }, async (request): Promise<Health> => {
    const health: Health = { status: 'ok', server: { name: 'tsdsr', version: app.bridgeConfig.version }, protocol: PROTOCOL_VERSION };
    if (!request.authenticated) return health;
    const { metrics } = app;
    return {
      ...health,
      devices: [...app.runtime.devices],
      loaded: app.registry.loaded(),
      queue: app.jobs.stats(),
      uptimeSeconds: metrics.uptimeSeconds,
      device: app.bridgeConfig.device,
      models: app.registry.list().map((entry) => ({ id: entry.manifest.id, version: modelVersion(entry.manifest) })),
      ...(metrics.lastError ? { lastError: metrics.lastError } : {}),
    };
  });

  app.get('/v1/models', { schema: { response: { 200: ModelsBody } } }, async () => {
    await app.registry.refresh();
    return { models: app.registry.list().map((entry) => modelInfo(entry.manifest)) };
  });
};
