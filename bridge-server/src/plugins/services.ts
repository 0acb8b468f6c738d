/** Decorates the app with the bridge's services (config, runtime, registry, queue, upscale service) and closes them with it. */
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import type { DeviceChoice } from '../../../models/runtime/index.ts';
import type { UpscaleQueue } from '../queue/index.ts';
import type { ModelRegistry } from '../registry.ts';
import type { BridgeRuntime } from '../runtime.ts';
import type { UpscaleService } from '../upscale-service.ts';

/** Limits the server enforces. */
export interface BridgeLimits {
  maxBodyBytes: number;
  maxInputPixels: number;
  maxOutputPixels: number;
  maxJobsPerClient: number;
  helloTimeoutMs: number;
  /** Open TCP connections per remote address. */
  maxConnectionsPerAddress: number;
  /** Open WebSocket connections in all. */
  maxWebSockets: number;
  /** Time to receive a request's headers, and the whole request (slow-loris); idle keep-alive time. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

/** Settings every route may read. */
export interface BridgeConfig {
  version: string;
  device: DeviceChoice;
  limits: BridgeLimits;
}

/** The services one bridge instance runs. */
export interface BridgeServices {
  config: BridgeConfig;
  runtime: BridgeRuntime;
  registry: ModelRegistry;
  jobs: UpscaleQueue;
  upscales: UpscaleService;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Settings of this bridge. */
    bridgeConfig: BridgeConfig;
    /** Image I/O and model loading. */
    runtime: BridgeRuntime;
    /** Installed models and opened upscalers. */
    registry: ModelRegistry;
    /** The job queue shared by REST and WebSocket. */
    jobs: UpscaleQueue;
    /** Validates and submits upscale jobs. */
    upscales: UpscaleService;
  }
}

const services: FastifyPluginAsync<BridgeServices> = async (app, options) => {
  app.decorate('bridgeConfig', options.config);
  app.decorate('runtime', options.runtime);
  app.decorate('registry', options.registry);
  app.decorate('jobs', options.jobs);
  app.decorate('upscales', options.upscales);
  app.addHook('preClose', async () => options.jobs.close());
  app.addHook('onClose', async () => options.registry.dispose());
};

/** The services plugin (decorations visible to the whole app). */
export const servicesPlugin = fp(services, { name: 'tsdsr-services', fastify: '5.x' });
