/** `buildApp`: the bridge as a fastify instance (REST + WebSocket), ready to `listen` or to `inject` in tests. */
import { join } from 'node:path';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { DeviceChoice } from '../../models/runtime/index.ts';
import { hostPolicy } from './auth/host.ts';
import { UserRateLimit, type RateLimitOptions } from './auth/rate-limit.ts';
import type { AuthThrottleOptions } from './auth/throttle.ts';
import { loadOrCreateToken } from './auth/token.ts';
import { TokenStore } from './auth/token-store.ts';
import { BridgeMetrics, metricsPlugin, ObservedUpscaleService, observedRuntime } from './observe/index.ts';
import { configDir, modelRoots, SERVER_VERSION, tokenPath, userModelsDir, usersPath } from './paths.ts';
import { connectionsPlugin } from './plugins/connections.ts';
import { errorsPlugin } from './plugins/errors.ts';
import { securityPlugin } from './plugins/security.ts';
import { servicesPlugin, type BridgeLimits } from './plugins/services.ts';
import { websocketPlugin } from './plugins/websocket.ts';
import {
  AUTH_FAILURES_BEFORE_DELAY, AUTH_FAILURES_BEFORE_LOCKOUT, AUTH_LOCKOUT_MS, AUTH_WINDOW_MS, DEFAULT_JOBS_PER_MINUTE, DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, DEFAULT_MAX_INPUT_PIXELS, DEFAULT_MAX_JOBS_PER_CLIENT, DEFAULT_MAX_OUTPUT_PIXELS,
  DEFAULT_MAX_WEBSOCKETS, HEADERS_TIMEOUT_MS, HELLO_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS, REQUEST_TIMEOUT_MS,
} from './protocol/index.ts';
import { LocalUpscaleQueue, type UpscaleQueue } from './queue/index.ts';
import { RedisTrainRunner, RedisUpscaleQueue } from './queue/redis/index.ts';
import { ModelRegistry } from './registry.ts';
import { infoRoutes } from './routes/info.ts';
import { tokenRoutes } from './routes/token.ts';
import { trainRoutes } from './routes/train.ts';
import { upscaleRoutes } from './routes/upscale.ts';
import { wsRoutes } from './routes/ws.ts';
import { nodeRuntime, type BridgeRuntime } from './runtime.ts';
import { TrainingManager, trainingPlugin, type TrainingManagerOptions } from './training/index.ts';
import { upscaleExecutor } from './upscale-job.ts';

/** Everything buildApp can be told; all optional. */
export interface BridgeOptions {
  /** Configuration folder holding the token (default: see configDir()). */
  configDir?: string;
  /** The pairing token, fixed for the app's life; default: read from (or created in) the configuration folder and reloaded when that file changes. */
  token?: string;
  /** The address the server will listen on (default 127.0.0.1): besides the loopback names, the one Host name accepted. */
  host?: string;
  /** Further Host names the server answers to (`--allow-host`), e.g. a LAN name behind a reverse proxy. */
  allowHosts?: readonly string[];
  /** Device models run on (default `auto`). */
  device?: DeviceChoice;
  /** Extra model folders, scanned after the shipped zoo and the user's models folder. */
  modelDirs?: readonly string[];
  /** Replaces the default model folders entirely (tests). */
  modelRoots?: readonly string[];
  /** Web origins allowed besides none and `null`. */
  allowOrigins?: readonly string[];
  /** Reverse proxies (addresses or CIDRs, `--trust-proxy`) whose `X-Forwarded-For` names the client: wrong-token throttling and REST clients then go by the real address. */
  trustProxy?: readonly string[];
  /** Jobs run at the same time (default 1: one worker for the one device). */
  concurrency?: number;
  /** `redis://host:port/db`: jobs go to BullMQ on this Redis for `tsdsr worker`s to run (concurrency then does not apply); default: in process. */
  queue?: string;
  limits?: Partial<BridgeLimits>;
  /** Wrong-token throttling (see auth/throttle.ts). */
  authThrottle?: Partial<AuthThrottleOptions>;
  /** Jobs per minute per named user (`--rate-limit`; default DEFAULT_JOBS_PER_MINUTE, 0: off); the pairing token's owner is never limited. */
  rateLimit?: Partial<RateLimitOptions>;
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
  maxConnectionsPerAddress: DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
  maxWebSockets: DEFAULT_MAX_WEBSOCKETS,
  headersTimeoutMs: HEADERS_TIMEOUT_MS,
  requestTimeoutMs: REQUEST_TIMEOUT_MS,
  keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
});

/** The default wrong-token throttle (see protocol/limits.ts). */
export const DEFAULT_AUTH_THROTTLE: Readonly<AuthThrottleOptions> = Object.freeze({
  failuresBeforeDelay: AUTH_FAILURES_BEFORE_DELAY,
  failuresBeforeLockout: AUTH_FAILURES_BEFORE_LOCKOUT,
  windowMs: AUTH_WINDOW_MS,
  lockoutMs: AUTH_LOCKOUT_MS,
  delayStepMs: 250,
  maxDelayMs: 2_000,
});

/** Builds the bridge: loads the token, scans models, wires services, plugins and routes. Call `listen` or `inject` next. */
export async function buildApp(options: BridgeOptions = {}): Promise<FastifyInstance> {
  const dir = options.configDir ?? configDir();
  const limits: BridgeLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const common = {
    bodyLimit: limits.maxBodyBytes,
    ajv: { customOptions: { removeAdditional: false } },
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: { headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs) },
    trustProxy: options.trustProxy && options.trustProxy.length > 0 ? [...options.trustProxy] : false,
  } as const;
  const app = options.logger
    ? Fastify({ ...common, loggerInstance: options.logger, logController: new LogController({ disableRequestLogging: true }) })
    : Fastify({ ...common, logger: false });
  const log = (message: string): void => app.log.warn(message);
  const tokens = options.token !== undefined
    ? new TokenStore(options.token, undefined, log, usersPath(dir))
    : new TokenStore((await loadOrCreateToken(tokenPath(dir), log)).token, tokenPath(dir), log, usersPath(dir));
  await tokens.reload();
  tokens.watch();
  const metrics = new BridgeMetrics(() => jobs.stats());
  const runtime = observedRuntime(options.runtime ?? nodeRuntime, metrics);
  const roots = options.modelRoots ?? modelRoots(dir, options.modelDirs);
  const registry = await ModelRegistry.scan(roots, runtime, log);
  const device = options.device ?? 'auto';
  const jobs: UpscaleQueue = options.queue
    ? await RedisUpscaleQueue.connect({ url: options.queue, maxJobsPerClient: limits.maxJobsPerClient, log })
    : new LocalUpscaleQueue({ concurrency: options.concurrency ?? 1, maxJobsPerClient: limits.maxJobsPerClient }, upscaleExecutor({ runtime, registry, device, limits }));
  const upscales = new ObservedUpscaleService({ runtime, registry, queue: jobs, limits }, metrics, app.log);
  const training = await TrainingManager.create({
    workDir: join(dir, 'training'), modelsDir: userModelsDir(dir), ...options.training, roots: options.trainRoots ?? [], registry, log,
    ...(options.queue && options.trainRoots?.length ? { runner: new RedisTrainRunner(options.queue) } : {}),
  });

  await app.register(errorsPlugin);
  await app.register(connectionsPlugin, { maxPerAddress: limits.maxConnectionsPerAddress });
  await app.register(servicesPlugin, { config: { version: SERVER_VERSION, device, limits }, runtime, registry, jobs, upscales });
  await app.register(trainingPlugin, { manager: training });
  await app.register(securityPlugin, {
    tokens,
    allowOrigins: options.allowOrigins ?? [],
    hosts: hostPolicy(options.host, options.allowHosts),
    throttle: { ...DEFAULT_AUTH_THROTTLE, ...options.authThrottle },
    rateLimit: new UserRateLimit({ jobsPerMinute: DEFAULT_JOBS_PER_MINUTE, ...options.rateLimit }),
  });
  await app.register(websocketPlugin, { maxPayload: limits.maxBodyBytes });
  await app.register(metricsPlugin, { metrics });
  await app.register(infoRoutes);
  await app.register(upscaleRoutes);
  await app.register(trainRoutes);
  await app.register(tokenRoutes);
  await app.register(wsRoutes, { maxWebSockets: limits.maxWebSockets });
  return app;
}
