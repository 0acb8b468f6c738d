/** Observability of the bridge: Prometheus metrics, one log line per job, JSON logs, model versions and the last job error. */
export { BridgeMetrics, type JobRecord, type LastError } from './metrics.ts';
export { ObservedUpscaleService, observedRuntime } from './jobs.ts';
export { metricsPlugin } from './plugin.ts';
export { modelVersion } from './model-version.ts';
export { jsonLogger, REDACTED_PATHS } from './json-logger.ts';
