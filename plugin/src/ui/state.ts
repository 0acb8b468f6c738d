/** The UI's state in one object, and a tiny store that tells views when it changes. */
import type { InputSmoothing, ModelChoice, ModelInfo } from '../../../bridge-server/src/protocol/index.ts';
import type { SelectionSummary, SkippedLayer } from '../messages.ts';
import { DEFAULT_SETTINGS, type Settings } from '../settings.ts';
import type { EngineDevice } from './engine/protocol.ts';

/** Where the connection to the bridge stands; each failure kind gets its own explanation. */
export type ConnectionState =
  | { kind: 'unpaired' }
  | { kind: 'connecting' }
  | { kind: 'connected'; serverVersion: string; models: ModelInfo[] }
  /** `noAnswer`: something accepted the connection but never completed it. */
  | { kind: 'down'; retryAt?: number; noAnswer?: boolean }
  /** Figma (the window's content security policy, from the manifest's allowedDomains) does not let the plugin reach the address. */
  | { kind: 'blocked' }
  | { kind: 'refused'; message: string; retryAt?: number; /** The bridge said why (no restart hint then). */ reasoned?: boolean }
  | { kind: 'unauthorized'; rotated?: boolean }
  | { kind: 'incompatible'; serverProtocol?: number; serverVersion?: string };

/** The in-Figma engine: not started, loading its model, ready on a device, or unable to run (with why). */
export interface InFigmaEngineState {
  status: 'idle' | 'loading' | 'ready' | 'failed';
  device?: EngineDevice;
  /** Milliseconds from starting the worker to the model being ready. */
  loadMs?: number;
  /** Why it failed, or a note on how it runs (no WebGPU, say). */
  message?: string;
}

/** Where one layer of a run is. */
export type LayerStatus = 'reading' | 'waiting' | 'queued' | 'running' | 'placing' | 'done' | 'cancelled' | 'failed';

/** One row of the progress list. */
export interface LayerRow {
  layerId: string;
  name: string;
  /** Figma's node type and where the pixels come from, for the row's icon. */
  nodeType: string;
  source: 'image' | 'export';
  widthPx: number;
  heightPx: number;
  status: LayerStatus;
  tilesDone: number;
  tilesTotal: number;
  /** Why it failed, or the result's size when done. */
  detail?: string;
  /** Which model an `auto` model ran on this layer, and why (from the bridge's result). */
  choice?: ModelChoice;
  /** The smoothing the input got before the model ran, when it got any (from the bridge's result). */
  smoothing?: InputSmoothing;
  /** A note that does not stop the layer, e.g. shrunk to fit Figma's limit. */
  warning?: string;
  thumbUrl?: string;
}

/** A run as the UI shows it. */
export interface RunView {
  runId: string;
  scale: number;
  rows: LayerRow[];
  skipped: SkippedLayer[];
  /** True once the main thread has committed the run. */
  finished: boolean;
}

/** Everything the views draw from. */
export interface UiState {
  /** False until the main thread's `init` arrived. */
  ready: boolean;
  settings: Settings;
  token: string;
  selection: SelectionSummary;
  /** The number of the selection summary shown; an older one arriving late is ignored. */
  selectionSeq: number;
  connection: ConnectionState;
  inFigma: InFigmaEngineState;
  run?: RunView;
  /** Why the last Upscale did not start, until the selection changes or another run starts. */
  refusal?: string;
}

/** True when a row will not change any more. */
export function isSettled(status: LayerStatus): boolean {
  return status === 'done' || status === 'cancelled' || status === 'failed';
}

/** True while a run has layers still moving. */
export function isRunning(state: UiState): boolean {
  return !!state.run && !state.run.finished;
}

/** Holds the state; `update` changes it and tells every subscriber. */
export class Store {
  #state: UiState = {
    ready: false,
    settings: { ...DEFAULT_SETTINGS },
    token: '',
    selection: { layers: [], skipped: [] },
    selectionSeq: -1,
    connection: { kind: 'connecting' },
    inFigma: { status: 'idle' },
  };
  readonly #listeners: ((state: UiState) => void)[] = [];

  /** The current state (do not mutate; use `update`). */
  get state(): UiState {
    return this.#state;
  }

  /** Applies a change and re-renders. */
  update(change: (state: UiState) => void): void {
    change(this.#state);
    for (const listener of this.#listeners) listener(this.#state);
  }

  /** Calls `listener` now and after every change. */
  subscribe(listener: (state: UiState) => void): void {
    this.#listeners.push(listener);
    listener(this.#state);
  }
}
