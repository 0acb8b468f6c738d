/** A run in the UI: sends layers to the active engine (bridge or in Figma) a few at a time, follows progress, cancels, fits and hands results back. */
import type { ErrorMessage, ProgressMessage, ResultMessage, ServerMessage, UpscaleMessage } from '../../../bridge-server/src/protocol/index.ts';
import type { Channel, MainToUi, MessageOf, UiToMain } from '../messages.ts';
import type { Engines, JobEngine } from './engine/index.ts';
import { fitForFigma } from './fit.ts';
import { isSettled, type LayerRow, type Store } from './state.ts';
import { inFigmaErrorText, jobErrorText, PREPARE_FAILED_TEXT } from './words.ts';

/** Jobs sent to the bridge at once; the rest wait here (the bridge caps queued jobs per client). */
export const JOBS_IN_FLIGHT = 4;

interface Job {
  id: string;
  layerId: string;
  bytes?: Uint8Array;
  sent: boolean;
  /** The engine it was sent to; it stays there even when the active engine changes. */
  engine?: JobEngine;
  cancelRequested: boolean;
}

/** Drives the current run; one at a time. */
export class RunController {
  #jobs: Job[] = [];
  #finishSent = false;

  constructor(
    private readonly store: Store,
    private readonly channel: Channel<UiToMain, MainToUi>,
    private readonly engines: Engines,
  ) {}

  /** Asks the main thread to start on the layers the list shows (it refuses when the selection changed meanwhile). */
  start(): void {
    const { settings, selection } = this.store.state;
    const runId = `run-${Date.now().toString(36)}`;
    this.#jobs = [];
    this.#finishSent = false;
    this.store.update((s) => {
      s.run = { runId, scale: settings.scale, rows: [], skipped: [], finished: false };
      delete s.refusal;
    });
    const layerIds = selection.layers.map((l) => l.id);
    this.channel.emit({ type: 'start-run', runId, options: { scale: settings.scale, placement: settings.placement }, layerIds });
  }

  /** The main thread did not start the run: back to the (already refreshed) selection, with the reason. */
  onRefused(m: MessageOf<MainToUi, 'run-refused'>): void {
    if (this.store.state.run?.runId !== m.runId) return;
    this.#jobs = [];
    this.store.update((s) => {
      s.run = undefined;
      s.refusal = m.reason;
    });
  }

  #row(layerId: string): LayerRow | undefined {
    return this.store.state.run?.rows.find((r) => r.layerId === layerId);
  }

  #setRow(layerId: string, change: Partial<LayerRow>): void {
    this.store.update(() => Object.assign(this.#row(layerId) ?? {}, change));
  }

  /** The main thread listed the run's layers. */
  onStarted(m: MessageOf<MainToUi, 'run-started'>): void {
    const run = this.store.state.run;
    if (!run || run.runId !== m.runId) return;
    this.#jobs = m.layers.map((layer, i) => ({ id: `${m.runId}-${i + 1}`, layerId: layer.id, sent: false, cancelRequested: false }));
    const rows = m.layers.map((l): LayerRow => ({
      layerId: l.id, name: l.name, nodeType: l.nodeType, source: l.source, widthPx: l.widthPx, heightPx: l.heightPx,
      status: 'reading', tilesDone: 0, tilesTotal: 0, ...(l.warning ? { warning: l.warning } : {}),
    }));
    this.store.update((s) => void Object.assign(s.run!, { rows, skipped: m.skipped }));
  }

  /** A layer's pixels arrived from the main thread. */
  onSource(m: MessageOf<MainToUi, 'layer-source'>): void {
    const job = this.#job(m.runId, m.layerId);
    if (!job || job.cancelRequested) return;
    job.bytes = m.bytes;
    const thumbUrl = URL.createObjectURL(new Blob([m.bytes as Uint8Array<ArrayBuffer>]));
    this.#setRow(m.layerId, { status: 'waiting', widthPx: m.width, heightPx: m.height, thumbUrl });
    this.pump();
  }

  /** The main thread could not read or place a layer. */
  onLayerFailed(m: MessageOf<MainToUi, 'layer-failed'>): void {
    if (!this.#job(m.runId, m.layerId)) return;
    this.#settle(m.layerId, { status: 'failed', detail: m.reason });
  }

  /** The main thread placed a result. */
  onPlaced(m: MessageOf<MainToUi, 'layer-placed'>): void {
    if (!this.#job(m.runId, m.layerId)) return;
    this.#settle(m.layerId, { status: 'done' });
  }

  /** The main thread committed the run. */
  onFinished(m: MessageOf<MainToUi, 'run-finished'>): void {
    const run = this.store.state.run;
    if (run?.runId === m.runId) this.store.update(() => void (run.finished = true));
  }

  #job(runId: string, layerId: string): Job | undefined {
    return this.store.state.run?.runId === runId ? this.#jobs.find((j) => j.layerId === layerId) : undefined;
  }

  /** Sends waiting layers to the active engine while there is room. */
  pump(): void {
    const engine = this.engines.active();
    const { settings } = this.store.state;
    if (!engine || !this.store.state.run) return;
    let inFlight = this.#jobs.filter((j) => j.sent && !isSettled(this.#row(j.layerId)?.status ?? 'done')).length;
    for (const job of this.#jobs) {
      if (inFlight >= JOBS_IN_FLIGHT) break;
      if (job.sent || !job.bytes || this.#row(job.layerId)?.status !== 'waiting') continue;
      const message: UpscaleMessage = { type: 'upscale', id: job.id, model: settings.model, scale: settings.scale };
      if (settings.colorFix !== 'model') message.colorFix = settings.colorFix;
      engine.sendUpscale(message, job.bytes);
      job.sent = true;
      job.engine = engine;
      inFlight++;
      this.#setRow(job.layerId, { status: 'queued' });
    }
  }

  /** A bridge message about one of this run's jobs. */
  onBridgeMessage(message: Exclude<ServerMessage, { type: 'hello' | 'result' }>): void {
    const job = 'id' in message && message.id ? this.#jobs.find((j) => j.id === message.id) : undefined;
    if (!job) return;
    if (message.type === 'progress') this.#onProgress(job, message);
    if (message.type === 'error') this.#onError(job, message);
  }

  #onProgress(job: Job, message: ProgressMessage): void {
    if (message.stage === 'upscale') this.#setRow(job.layerId, { status: 'running', tilesDone: message.tilesDone, tilesTotal: message.tilesTotal });
  }

  #onError(job: Job, message: ErrorMessage): void {
    if (message.code === 'unknown_job') return;
    // A `cancelled` the user did not ask for comes from the bridge itself (for instance while it shuts down): a failure.
    if (job.cancelRequested) return this.#settle(job.layerId, { status: 'cancelled', detail: 'Cancelled' });
    const text = job.engine?.kind === 'figma' ? inFigmaErrorText(message.code, message.message) : jobErrorText(message.code, message.message);
    this.#settle(job.layerId, { status: 'failed', detail: text });
  }

  /** A finished job's PNG: fit it for Figma and hand it to the main thread. */
  async onResult(result: ResultMessage, png: Uint8Array): Promise<void> {
    const job = this.#jobs.find((j) => j.id === result.id);
    const run = this.store.state.run;
    if (!job || !run) return;
    if (job.cancelRequested) return this.#settle(job.layerId, { status: 'cancelled', detail: 'Cancelled' });
    const reported = { ...(result.choice ? { choice: result.choice } : {}), ...(result.smoothing ? { smoothing: result.smoothing } : {}) };
    this.#setRow(job.layerId, { status: 'placing', tilesDone: 1, tilesTotal: 1, detail: `${result.width}×${result.height} px`, ...reported });
    this.pump();
    try {
      const fitted = await fitForFigma(png, result.width, result.height, this.store.state.settings.oversize);
      if (fitted.warning) this.#setRow(job.layerId, { warning: fitted.warning });
      this.channel.emit({ type: 'place-result', runId: run.runId, layerId: job.layerId, image: fitted.image });
    } catch (error) {
      console.error(`tsdsr: couldn't prepare the result of ${job.id} for Figma:`, error);
      this.#settle(job.layerId, { status: 'failed', detail: PREPARE_FAILED_TEXT });
    }
  }

  /** Stops one layer: dropped if not sent yet, cancelled on its engine otherwise. */
  cancel(layerId: string): void {
    const job = this.#jobs.find((j) => j.layerId === layerId);
    const status = this.#row(layerId)?.status;
    if (!job || !status || isSettled(status) || status === 'placing') return;
    job.cancelRequested = true;
    if (job.sent && job.engine?.available) job.engine.cancel(job.id);
    else this.#settle(layerId, { status: 'cancelled', detail: 'Cancelled' });
  }

  /** Stops every layer that has not finished: queued ones first, so none of them starts when a running one stops. */
  cancelAll(): void {
    const running = (job: Job) => this.#row(job.layerId)?.status === 'running';
    for (const job of this.#jobs.filter((j) => !running(j))) this.cancel(job.layerId);
    for (const job of this.#jobs.filter(running)) this.cancel(job.layerId);
  }

  /** The connection dropped: jobs on the bridge are gone; layers not sent yet wait for the next connection (or go in Figma). */
  onConnectionLost(): void {
    for (const job of this.#jobs) {
      const status = this.#row(job.layerId)?.status;
      if (job.sent && job.engine?.kind === 'bridge' && status && !isSettled(status) && status !== 'placing') {
        this.#settle(job.layerId, { status: 'failed', detail: 'Lost the connection to the bridge.' });
      }
    }
  }

  #settle(layerId: string, change: Partial<LayerRow>): void {
    this.#setRow(layerId, change);
    this.pump();
    const run = this.store.state.run;
    if (!run || this.#finishSent || run.rows.some((r) => !isSettled(r.status))) return;
    this.#finishSent = true;
    const count = (status: string) => run.rows.filter((r) => r.status === status).length;
    this.channel.emit({ type: 'finish-run', runId: run.runId, cancelled: count('cancelled'), failed: count('failed') });
  }
}
