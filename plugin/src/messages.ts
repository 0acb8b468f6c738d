/**
 * The one definition of what the plugin's main thread and its UI say to each other, with typed `emit`/`on` helpers.
 * Both sides import it; bridge messages are not here (they come from bridge-server/src/protocol).
 */
import type { Settings } from './settings.ts';

/** A layer the plugin will upscale, as the UI lists it. */
export interface LayerInfo {
  id: string;
  name: string;
  /** `image`: the original bytes of the layer's image fill are sent; `export`: the layer is rendered at 1×. */
  source: 'image' | 'export';
  /** Figma's node type, e.g. `FRAME`. */
  nodeType: string;
  /** Pixel size of what is sent to the bridge. */
  widthPx: number;
  heightPx: number;
  /** Locked layers are never changed: their result always goes beside them. */
  locked: boolean;
  /** What the layer's row says before the run, e.g. where Figma lets the result go when not where asked. */
  warning?: string;
}

/** A selected layer that will not be upscaled, and why, in words for the user. */
export interface SkippedLayer {
  id: string;
  name: string;
  reason: string;
}

/** What the current selection means for a run. */
export interface SelectionSummary {
  layers: LayerInfo[];
  skipped: SkippedLayer[];
}

/** One piece of a result, at pixel offset (x, y) of the whole image. */
export interface ImageTile {
  x: number;
  y: number;
  width: number;
  height: number;
  /** PNG bytes. */
  bytes: Uint8Array;
}

/** An upscaled image, ready for Figma: whole (one tile) or split, each tile within Figma's size limit. */
export interface ResultImage {
  /** Pixel size of the whole image (after any shrinking). */
  width: number;
  height: number;
  tiles: ImageTile[];
  /** The bridge's size when the image was shrunk to fit Figma's limit. */
  shrunkFrom?: { width: number; height: number };
}

/** What a run needs to know about where results go. */
export interface RunOptions {
  scale: number;
  placement: Settings['placement'];
}

/** Messages from the UI to the main thread. */
export type UiToMain =
  | { type: 'ui-ready' }
  | { type: 'save-settings'; settings: Settings }
  | { type: 'save-token'; token: string }
  /** `layerIds`: the layers the UI lists; the run is refused when they are no longer what is selected. */
  | { type: 'start-run'; runId: string; options: RunOptions; layerIds: string[] }
  | { type: 'place-result'; runId: string; layerId: string; image: ResultImage }
  | { type: 'finish-run'; runId: string; cancelled: number; failed: number }
  | { type: 'notify'; text: string; error?: boolean };

/** Messages from the main thread to the UI. */
export type MainToUi =
  /** `seq` numbers selection summaries in the order of the selections they describe; the UI keeps the highest. */
  | { type: 'init'; settings: Settings; token: string; selection: SelectionSummary; seq: number }
  | { type: 'selection'; selection: SelectionSummary; seq: number }
  | { type: 'run-started'; runId: string; layers: LayerInfo[]; skipped: SkippedLayer[] }
  /** The run did not start (the selection changed since the UI listed it); a fresh `selection` was sent just before. */
  | { type: 'run-refused'; runId: string; reason: string }
  | { type: 'layer-source'; runId: string; layerId: string; bytes: Uint8Array; width: number; height: number }
  | { type: 'layer-failed'; runId: string; layerId: string; reason: string }
  | { type: 'layer-placed'; runId: string; layerId: string; nodeId: string; name: string }
  | { type: 'run-finished'; runId: string; placed: number };

/** Every UI → main message type (a Record, so the compiler insists on all of them). */
export const UI_TO_MAIN_TYPES: Readonly<Record<UiToMain['type'], true>> = Object.freeze({
  'ui-ready': true, 'save-settings': true, 'save-token': true, 'start-run': true, 'place-result': true, 'finish-run': true, notify: true,
});

/** Every main → UI message type. */
export const MAIN_TO_UI_TYPES: Readonly<Record<MainToUi['type'], true>> = Object.freeze({
  init: true, selection: true, 'run-started': true, 'run-refused': true, 'layer-source': true, 'layer-failed': true, 'layer-placed': true, 'run-finished': true,
});

/** The message of union `M` whose `type` is `T`. */
export type MessageOf<M extends { type: string }, T extends M['type']> = Extract<M, { type: T }>;

/** How one side sends and receives raw messages (figma.ui on the main thread, window/parent in the UI). */
export interface MessagePort<Out> {
  send(message: Out): void;
  listen(receive: (message: unknown) => void): void;
}

/** A typed, two-way message channel. */
export interface Channel<Out extends { type: string }, In extends { type: string }> {
  /** Sends one message to the other side. */
  emit(message: Out): void;
  /** Calls `handler` for each incoming message of `type`; returns a function that stops it. */
  on<T extends In['type']>(type: T, handler: (message: MessageOf<In, T>) => void | Promise<void>): () => void;
}

type AnyHandler = (message: never) => void | Promise<void>;

/** Wraps a port in a typed channel; messages of unknown types are ignored, handler failures go to `onError`. */
export function createChannel<Out extends { type: string }, In extends { type: string }>(
  port: MessagePort<Out>,
  knownTypes: Readonly<Record<In['type'], true>>,
  onError: (error: unknown) => void = (error) => console.error(error),
): Channel<Out, In> {
  const handlers = new Map<string, Set<AnyHandler>>();
  port.listen((message) => {
    const type = message && typeof message === 'object' ? (message as { type?: unknown }).type : undefined;
    if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(knownTypes, type)) return;
    for (const handler of handlers.get(type) ?? []) {
      try {
        Promise.resolve(handler(message as never)).catch(onError);
      } catch (error) {
        onError(error);
      }
    }
  });
  return {
    emit: (message) => port.send(message),
    on(type, handler) {
      const set = handlers.get(type) ?? new Set<AnyHandler>();
      handlers.set(type, set.add(handler as AnyHandler));
      return () => void set.delete(handler as AnyHandler);
    },
  };
}
