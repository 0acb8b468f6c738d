/** The in-Figma engine on the UI's side: starts the worker on first use and speaks to it in the bridge's message shapes. */
import type { ErrorMessage, ProgressMessage, ResultMessage, UpscaleMessage } from '../../../../bridge-server/src/protocol/index.ts';
import type { InFigmaEngineState, Store } from '../state.ts';
import { readPackedAssets, workerUrl } from './assets.ts';
import type { JobEngine } from './engines.ts';
import { IN_FIGMA_MODEL, type FromWorker, type PackedAssets, type ToWorker } from './protocol.ts';

/** What the engine reports, as the bridge would. */
export interface LocalEngineListener {
  message(message: ProgressMessage | ErrorMessage): void;
  result(result: ResultMessage, png: Uint8Array): void;
}

/** The default model on onnxruntime-web, in a Web Worker made from the assets inlined in ui.html. */
export class LocalEngine implements JobEngine {
  readonly kind = 'figma';
  readonly available = true;
  #worker: Worker | undefined;
  #starting = false;
  #backlog: ToWorker[] = [];
  readonly #jobs = new Map<string, number>(); // job id → scale, for the result message

  constructor(
    private readonly store: Store,
    private readonly listener: LocalEngineListener,
    private readonly readAssets: () => PackedAssets | undefined = readPackedAssets,
  ) {}

  /** Loads the worker, onnxruntime and the model now (the first upscale does it otherwise). */
  warmUp(): void {
    if (this.#worker || this.#starting) return;
    this.#starting = true;
    this.#setStatus({ status: 'loading' });
    void this.#start().finally(() => (this.#starting = false));
  }

  sendUpscale(message: UpscaleMessage, image: Uint8Array): void {
    this.#jobs.set(message.id, message.scale);
    this.#post({ type: 'upscale', id: message.id, image, scale: message.scale, ...(message.colorFix ? { colorFix: message.colorFix } : {}) });
  }

  cancel(id: string): void {
    if (this.#jobs.has(id)) this.#post({ type: 'cancel', id });
  }

  #post(message: ToWorker): void {
    if (this.#worker) return this.#worker.postMessage(message);
    this.#backlog.push(message);
    this.warmUp();
  }

  #setStatus(status: InFigmaEngineState): void {
    this.store.update((s) => void (s.inFigma = status));
  }

  async #start(): Promise<void> {
    const assets = this.readAssets();
    if (!assets) return this.#fail('This build of the plugin has no in-Figma engine.');
    try {
      const url = await workerUrl(assets);
      const worker = new Worker(url, { name: 'tsdsr-engine' });
      URL.revokeObjectURL(url);
      worker.onmessage = (event: MessageEvent<FromWorker>) => this.#receive(event.data);
      worker.onerror = (event) => this.#fail(`The in-Figma engine stopped: ${event.message || 'unknown error'}`);
      worker.postMessage({ type: 'init', assets } satisfies ToWorker);
      this.#worker = worker;
      for (const message of this.#backlog.splice(0)) worker.postMessage(message);
    } catch (error) {
      this.#fail(`The in-Figma engine could not start: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** The engine cannot run: every job sent to it fails with the reason. */
  #fail(message: string): void {
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#backlog = [];
    this.#setStatus({ status: 'failed', message });
    for (const id of [...this.#jobs.keys()]) this.#receive({ type: 'error', id, code: 'internal', message });
  }

  #receive(message: FromWorker): void {
    switch (message.type) {
      case 'ready':
        return this.#setStatus({ status: 'ready', device: message.device, loadMs: message.loadMs, ...(message.note ? { message: message.note } : {}) });
      case 'load-failed':
        return this.#setStatus({ status: 'failed', message: message.message });
      case 'progress':
        return this.listener.message({ type: 'progress', id: message.id, stage: message.stage, tilesDone: message.tilesDone, tilesTotal: message.tilesTotal });
      case 'error':
        this.#jobs.delete(message.id);
        return this.listener.message({ type: 'error', id: message.id, code: message.code, message: message.message });
      case 'result': {
        const scale = this.#jobs.get(message.id) ?? 0;
        this.#jobs.delete(message.id);
        return this.listener.result({ type: 'result', id: message.id, width: message.width, height: message.height, model: IN_FIGMA_MODEL, scale }, message.png);
      }
    }
  }
}
