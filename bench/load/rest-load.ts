/** The REST side of the load bench: `POST /v1/upscale` calls and a steady poll of `GET /v1/models` while the WebSocket clients run. */
import type { BridgeProcess } from './bridge-process.ts';
import { resultProblem, type JobImage } from './job-images.ts';
import { percentile } from './stats.ts';

/** What the REST calls of one row did. */
export interface RestLoadResult {
  upscale: { calls: number; ok: number; correct: number; problems: string[]; p50Ms?: number; p95Ms?: number };
  models: { calls: number; ok: number; p50Ms?: number; p95Ms?: number; maxMs?: number; problems: string[] };
  /** When the last upscale call ended (performance.now()), for the row's throughput. */
  lastEndedAt?: number;
}

/** Settings of the REST load. */
export interface RestLoadOptions {
  model: string;
  scale: number;
  /** Upscale calls in flight at once (all REST calls from one address are one client of the queue). */
  concurrency: number;
  tolerance: number;
  /** No call may outlast this moment (performance.now()). */
  deadline: number;
  /** Pause between two `GET /v1/models`, in ms. */
  modelsIntervalMs: number;
}

const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Starts the REST calls; stop() ends the models poll, waits for the upscale calls and checks their results. */
export function startRestLoad(bridge: BridgeProcess, images: readonly JobImage[], options: RestLoadOptions): { stop(): Promise<RestLoadResult> } {
  const result: RestLoadResult = { upscale: { calls: 0, ok: 0, correct: 0, problems: [] }, models: { calls: 0, ok: 0, problems: [] } };
  const pngs: { image: JobImage; png: Buffer; width: number; height: number }[] = [];
  const upscaleMs: number[] = [];
  const modelsMs: number[] = [];
  let next = 0;
  let polling = true;
  const timeLeft = (): number => Math.max(1_000, options.deadline - performance.now());

  const upscaleWorker = async (): Promise<void> => {
    while (next < images.length && performance.now() < options.deadline) {
      const image = images[next++]!;
      const t0 = performance.now();
      result.upscale.calls++;
      try {
        const answer = await bridge.http('POST', `/v1/upscale?model=${encodeURIComponent(options.model)}&scale=${options.scale}`, image.png, timeLeft());
        if (answer.status !== 200) throw new Error(`HTTP ${answer.status} ${answer.body.toString('utf8').slice(0, 200)}`);
        result.lastEndedAt = performance.now();
        upscaleMs.push(result.lastEndedAt - t0);
        result.upscale.ok++;
        pngs.push({ image, png: answer.body, width: Number(answer.headers['x-tsdsr-width']), height: Number(answer.headers['x-tsdsr-height']) });
      } catch (err) {
        result.upscale.problems.push(`POST /v1/upscale (image ${image.index}): ${describe(err)}`);
      }
    }
  };
  const modelsPoll = async (): Promise<void> => {
    while (polling && performance.now() < options.deadline) {
      const t0 = performance.now();
      result.models.calls++;
      try {
        const answer = await bridge.http('GET', '/v1/models', undefined, timeLeft());
        if (answer.status !== 200) throw new Error(`HTTP ${answer.status}`);
        modelsMs.push(performance.now() - t0);
        result.models.ok++;
      } catch (err) {
        result.models.problems.push(`GET /v1/models: ${describe(err)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, options.modelsIntervalMs));
    }
  };
  const running = [...Array.from({ length: options.concurrency }, upscaleWorker), modelsPoll()];

  return {
    async stop(): Promise<RestLoadResult> {
      polling = false;
      await Promise.all(running);
      for (const { image, png, width, height } of pngs) {
        const problem = await resultProblem(png, { width, height }, image, options.scale, options.tolerance);
        if (problem) result.upscale.problems.push(`REST image ${image.index}: ${problem}`);
        else result.upscale.correct++;
      }
      Object.assign(result.upscale, { p50Ms: percentile(upscaleMs, 50), p95Ms: percentile(upscaleMs, 95) });
      Object.assign(result.models, { p50Ms: percentile(modelsMs, 50), p95Ms: percentile(modelsMs, 95), maxMs: percentile(modelsMs, 100) });
      return result;
    },
  };
}
