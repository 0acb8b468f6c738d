/** The bridge's Prometheus metrics (prom-client, one registry per bridge) and the last job error `GET /v1/health` reports. */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** How one job ended, as the per-job log line and the metrics record it. */
export interface JobRecord {
  /** The queue identity of the client: `ws:<uuid>` or `rest:<address>`. */
  client: string;
  model: string;
  /** Input size in pixels, when the image header could be read. */
  width?: number;
  height?: number;
  scale: number;
  /** The device the model ran on (unknown when it never opened). */
  device?: string;
  /** Seconds waiting in the queue, and running (undefined when the job never started). */
  queueSeconds?: number;
  runSeconds?: number;
  tiles: number;
  /** `ok`, or the error code it ended with. */
  outcome: string;
  /** The error's message, for the last-error record (never logged with image data). */
  message?: string;
}

/** The most recent job that did not end `ok` (nor `cancelled` by its client). */
export interface LastError {
  code: string;
  message: string;
  at: string;
}

/** Queue depth the metrics read on each scrape. */
export type QueueStats = () => { running: number; queued: number };

const SECONDS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** The counters, gauges and histograms of one bridge. */
export class BridgeMetrics {
  /** The registry `GET /v1/metrics` serialises. */
  readonly registry = new Registry();
  /** When this bridge was built (for uptime). */
  readonly startedAt = Date.now();
  #lastError: LastError | undefined;
  readonly #devices = new Map<string, string>();
  readonly #jobs = new Counter({ name: 'tsdsr_jobs_total', help: 'Upscale jobs by outcome (ok or the error code)', labelNames: ['outcome'], registers: [this.registry] });
  readonly #jobSeconds = new Histogram({ name: 'tsdsr_job_duration_seconds', help: 'Time jobs ran (after leaving the queue)', labelNames: ['model'], buckets: SECONDS_BUCKETS, registers: [this.registry] });
  readonly #queueSeconds = new Histogram({ name: 'tsdsr_queue_wait_seconds', help: 'Time jobs waited in the queue before running', buckets: SECONDS_BUCKETS, registers: [this.registry] });
  readonly #tiles = new Counter({ name: 'tsdsr_tiles_total', help: 'Tiles upscaled (rate() gives tiles per second)', labelNames: ['model'], registers: [this.registry] });
  readonly #modelLoad = new Histogram({ name: 'tsdsr_model_load_seconds', help: 'Time to open a model on a device', labelNames: ['model', 'device'], buckets: SECONDS_BUCKETS, registers: [this.registry] });

  constructor(queue: QueueStats) {
    const devices = this.#devices;
    const startedAt = this.startedAt;
    new Gauge({
      name: 'tsdsr_queue_jobs', help: 'Jobs running and waiting now', labelNames: ['state'], registers: [this.registry],
      collect() {
        const { running, queued } = queue();
        this.set({ state: 'running' }, running);
        this.set({ state: 'queued' }, queued);
      },
    });
    new Gauge({
      name: 'tsdsr_model_device', help: 'Models opened so far and the ONNX Runtime device each runs on (always 1)', labelNames: ['model', 'device'], registers: [this.registry],
      collect() {
        this.reset();
        for (const [model, device] of devices) this.set({ model, device }, 1);
      },
    });
    new Gauge({ name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes', registers: [this.registry], collect() { this.set(process.memoryUsage.rss()); } });
    new Gauge({ name: 'nodejs_heap_size_used_bytes', help: 'V8 heap in use in bytes', registers: [this.registry], collect() { this.set(process.memoryUsage().heapUsed); } });
    new Gauge({ name: 'tsdsr_uptime_seconds', help: 'Seconds since the bridge started', registers: [this.registry], collect() { this.set((Date.now() - startedAt) / 1000); } });
  }

  /** Records a finished job. */
  jobFinished(job: JobRecord): void {
    this.#jobs.inc({ outcome: job.outcome });
    if (job.queueSeconds !== undefined) this.#queueSeconds.observe(job.queueSeconds);
    if (job.runSeconds !== undefined) this.#jobSeconds.observe({ model: job.model }, job.runSeconds);
    if (job.tiles > 0) this.#tiles.inc({ model: job.model }, job.tiles);
    if (job.outcome !== 'ok' && job.outcome !== 'cancelled') {
      this.#lastError = { code: job.outcome, message: job.message ?? job.outcome, at: new Date().toISOString() };
    }
  }

  /** Records a model opened on a device and how long it took. */
  modelOpened(model: string, device: string, seconds: number): void {
    this.#devices.set(model, device);
    this.#modelLoad.observe({ model, device }, seconds);
  }

  /** The device a model last opened on, if it has. */
  deviceOf(model: string): string | undefined {
    return this.#devices.get(model);
  }

  /** The last job error, if any. */
  get lastError(): LastError | undefined {
    return this.#lastError;
  }

  /** Whole seconds since the bridge started. */
  get uptimeSeconds(): number {
    return Math.floor((Date.now() - this.startedAt) / 1000);
  }
}
