/** `buildApp`: the bridge as a fastify instance (REST + WebSocket), ready to `listen` or to `inject` in tests. */
import { join } from 'node:path';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { DeviceChoice } from '../../models/runtime/index.ts';
import { loadOrCreateToken } from './auth/token.ts';
import { configDir, modelRoots, SERVER_VERSION, tokenPath, userModelsDir } from './paths.ts';
import { errorsPlugin } from './plugins/errors.ts';
import { securityPlugin } from './plugins/security.ts';
import { servicesPlugin, type BridgeLimits } from './plugins/services.ts';
import { websocketPlugin } from './plugins/websocket.ts';
import {
  DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_INPUT_PIXELS, DEFAULT_MAX_JOBS_PER_CLIENT, DEFAULT_MAX_OUTPUT_PIXELS, HELLO_TIMEOUT_MS,
} from './protocol/index.ts';
import { JobQueue } from './queue/index.ts';
import { ModelRegistry } from './registry.ts';
import { infoRoutes } from './routes/info.ts';
import { trainRoutes } from './routes/train.ts';
import { upscaleRoutes } from './routes/upscale.ts';
import { wsRoutes } from './routes/ws.ts';
import { nodeRuntime, type BridgeRuntime } from './runtime.ts';
import { TrainingManager, trainingPlugin, type TrainingManagerOptions } from './training/index.ts';
import { UpscaleService } from './upscale-service.ts';

/** Everything buildApp can be told; all optional. */
export interface BridgeOptions {
  /** Configuration folder holding the token (default: see configDir()). */
  configDir?: string;
  /** The pairing token; default: read from (or created in) the configuration folder. */
  token?: string;
  /** Device models run on (default `auto`). */
  device?: DeviceChoice;
  /** Extra model folders, scanned after the shipped zoo and the user's models folder. */
  modelDirs?: readonly string[];
  /** Replaces the default model folders entirely (tests). */
  modelRoots?: readonly string[];
  /** Web origins allowed besides none and `null`. */
  allowOrigins?: readonly string[];
  /** Jobs run at the same time (default 1: one worker for the one device). */
  concurrency?: number;
  limits?: Partial<BridgeLimits>;
  /** The runtime (default: onnxruntime-node + sharp). */
  runtime?: BridgeRuntime;
  /** Folders `POST /v1/train` may read data and teachers from (none: training disabled). */
  trainRoots?: readonly string[];
  /** Training settings besides the roots: work folder (default <config dir>/training), export folder, device, run defaults. */
  training?: Partial<Omit<TrainingManagerOptions, 'roots' | 'registry' | 'log'>>;
  /** A logger; default: none. */
  logger?: FastifyBaseLogger;
}

/** The default limits (see protocol/limits.ts). */
export const DEFAULT_LIMITS: Readonly<BridgeLimits> = Object.freeze({
  maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  maxInputPixels: DEFAULT_MAX_INPUT_PIXELS,
  maxOutputPixels: DEFAULT_MAX_OUTPUT_PIXELS,
  maxJobsPerClient: DEFAULT_MAX_JOBS_PER_CLIENT,
  helloTimeoutMs: HELLO_TIMEOUT_MS,
});

/** Builds the bridge: loads the token, scans models, wires services, plugins and routes. Call `listen` or `inject` next. */
export async function buildApp(options: BridgeOptions = {}): Promise<FastifyInstance> {
  const dir = options.configDir ?? configDir();
  const limits: BridgeLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const common = { bodyLimit: limits.maxBodyBytes, ajv: { customOptions: { removeAdditional: false } } } as const;
  const app = options.logger
    ? Fastify({ ...common, loggerInstance: options.logger, logController: new LogController({ disableRequestLogging: true }) })
    : Fastify({ ...common, logger: false });
  const log = (message: string): void => app.log.warn(message);
  const token = options.token ?? (await loadOrCreateToken(tokenPath(dir), log)).token;
  const runtime = options.runtime ?? nodeRuntime;
  const roots = options.modelRoots ?? modelRoots(dir, options.modelDirs);
  const registry = await ModelRegistry.scan(roots, runtime, log);
  const jobs = new JobQueue({ concurrency: options.concurrency ?? 1, maxJobsPerClient: limits.maxJobsPerClient });
  const device = options.device ?? 'auto';
  const upscales = new UpscaleService({ runtime, registry, queue: jobs, limits, device });
  const training = await TrainingManager.create({
    workDir: join(dir, 'training'), modelsDir: userModelsDir(dir), ...options.training, roots: options.trainRoots ?? [], registry, log,
  });

  await app.register(errorsPlugin);
  await app.register(servicesPlugin, { config: { version: SERVER_VERSION, device, limits }, runtime, registry, jobs, upscales });
  await app.register(trainingPlugin, { manager: training });
  await app.register(securityPlugin, { token, allowOrigins: options.allowOrigins ?? [] });
  await app.register(websocketPlugin, { maxPayload: limits.maxBodyBytes });
  await app.register(infoRoutes);
  await app.register(upscaleRoutes);
  await app.register(trainRoutes);
  await app.register(wsRoutes, { token });
  return app;
}
