/** Observed versions of the runtime and the upscale service: each job ends in one log line and in the metrics. */
import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger } from 'fastify';
import { toBridgeError } from '../errors.ts';
import type { BridgeRuntime } from '../runtime.ts';
import { UpscaleService, type UpscaleProgressHandler, type UpscaleRequest, type UpscaleResult, type UpscaleServiceDeps } from '../upscale-service.ts';
import type { BridgeMetrics, JobRecord } from './metrics.ts';

/** The runtime, timing each model open and noting the device it got. */
export function observedRuntime(runtime: BridgeRuntime, metrics: BridgeMetrics): BridgeRuntime {
  return {
    ...runtime,
    devices: runtime.devices,
    async openUpscaler(dir, device, log) {
      const start = performance.now();
      const upscaler = await runtime.openUpscaler(dir, device, log);
      metrics.modelOpened(upscaler.manifest.id, upscaler.device, (performance.now() - start) / 1000);
      return upscaler;
    },
  };
}

/** Counts tiles across passes from cumulative progress events. */
function tileCounter(onProgress?: UpscaleProgressHandler): { handler: UpscaleProgressHandler; count: () => number } {
  let total = 0;
  let last = 0;
  const handler: UpscaleProgressHandler = (progress) => {
    if (progress.stage === 'upscale') {
      total += progress.tilesDone >= last ? progress.tilesDone - last : progress.tilesDone;
      last = progress.tilesDone;
    }
    onProgress?.(progress);
  };
  return { handler, count: () => total };
}

/** What the service saw of a job when it was submitted. */
interface SeenJob {
  clientId: string;
  jobId: string;
  request: UpscaleRequest;
  size: { width: number; height: number } | undefined;
  submittedAt: number;
  tiles: number;
}

/** Describes a job for people: the message of its log line. */
function describeJob(job: JobRecord, ms: number): string {
  const size = job.width === undefined ? '' : ` ${job.width}x${job.height}`;
  return `job ${job.outcome}: ${job.model}${size} x${job.scale} on ${job.device ?? 'no device'} in ${ms} ms (${job.client})`;
}

/** The upscale service, logging one line per job (client, model, size, device, time, outcome) and recording its metrics. */
export class ObservedUpscaleService extends UpscaleService {
  constructor(
    private readonly observed: UpscaleServiceDeps,
    private readonly metrics: BridgeMetrics,
    private readonly log: FastifyBaseLogger,
  ) {
    super(observed);
  }

  override async submit(clientId: string, jobId: string, request: UpscaleRequest, onProgress?: UpscaleProgressHandler): Promise<{ position: number; result: Promise<UpscaleResult> }> {
    const submittedAt = performance.now();
    const size = await this.observed.runtime.probeImage(request.bytes).catch(() => undefined);
    const tiles = tileCounter(onProgress);
    const end = (outcome: string, message?: string): void => {
      this.#record({ clientId, jobId, request, size, submittedAt, tiles: tiles.count() }, outcome, message);
    };
    let submitted: { position: number; result: Promise<UpscaleResult> };
    try {
      submitted = await super.submit(clientId, jobId, request, tiles.handler);
    } catch (err) {
      const { code, message } = toBridgeError(err);
      end(code, message);
      throw err;
    }
    submitted.result.then(() => end('ok'), (err: unknown) => {
      const { code, message } = toBridgeError(err);
      end(code, message);
    });
    return submitted;
  }

  #record(seen: SeenJob, outcome: string, message?: string): void {
    const { clientId, jobId, request, size, submittedAt, tiles } = seen;
    const endedAt = performance.now();
    const startedAt = this.observed.queue.takeStart(clientId, jobId);
    const job: JobRecord = {
      client: clientId, model: request.model, width: size?.width, height: size?.height, scale: request.scale,
      device: this.metrics.deviceOf(request.model), tiles, outcome, message,
      queueSeconds: startedAt === undefined ? undefined : (startedAt - submittedAt) / 1000,
      runSeconds: startedAt === undefined ? undefined : (endedAt - startedAt) / 1000,
    };
    this.metrics.jobFinished(job);
    const ms = Math.round(endedAt - submittedAt);
    const fields = { client: job.client, model: job.model, width: job.width, height: job.height, scale: job.scale, device: job.device, ms, tiles, outcome };
    const level = outcome === 'ok' || outcome === 'cancelled' ? 'info' : outcome === 'internal' ? 'error' : 'warn';
    this.log[level]({ job: fields }, describeJob(job, ms));
  }
}
