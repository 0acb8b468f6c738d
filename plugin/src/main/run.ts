/** One upscaling run on the main thread: read the layers, hand their pixels to the UI, place results, one undo step. */
import type { Channel, MainToUi, ResultImage, RunOptions, UiToMain } from '../messages.ts';
import { figmaErrorWords, logFigmaError } from './figma-errors.ts';
import type { PluginHost } from './host.ts';
import { nativeResult } from './native.ts';
import { placeResult } from './place.ts';
import { readSelection } from './selection.ts';
import { snapshotOf, type BesideCopyRef, type Snapshot } from './snapshot.ts';
import { readLayerPixels } from './source.ts';

interface RunState {
  options: RunOptions;
  snapshots: Map<string, Snapshot>;
  placed: number;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** The completion message: what was placed, and what was not. */
export function completionText(placed: number, cancelled: number, failed: number, scale: number): string {
  const head = placed > 0 ? `Upscaled ${plural(placed, 'layer')} to ${scale}×` : 'No layers were upscaled';
  const extras = [cancelled > 0 ? `${cancelled} cancelled` : '', failed > 0 ? `${failed} failed` : ''].filter(Boolean);
  return [head, ...extras].join(' · ');
}

/** Why a run did not start: the UI listed other layers than are selected now. */
export const SELECTION_CHANGED_TEXT =
  'The selection changed before the run started, so nothing was upscaled. The list now shows the new selection: check it and press Upscale again.';

function sameLayers(ids: readonly string[], listed: readonly string[] | undefined): boolean {
  if (!Array.isArray(listed)) return false;
  const wanted = new Set(listed);
  return ids.length === listed.length && ids.every((id) => wanted.has(id));
}

/** Runs started by the UI, keyed by the UI's run id. */
export class RunController {
  readonly #runs = new Map<string, RunState>();

  constructor(
    private readonly host: PluginHost,
    private readonly channel: Channel<MainToUi, UiToMain>,
    /** Sends the UI a fresh summary of the selection. */
    private readonly refreshSelection: () => Promise<void>,
  ) {}

  /**
   * Reads the selection and sends each layer's pixels to the UI, one at a time, as they are read. `layerIds` are the
   * layers the UI lists: when the selection no longer holds exactly those, nothing runs and the UI gets the new selection.
   */
  async start(runId: string, options: RunOptions, layerIds: readonly string[]): Promise<void> {
    const { targets, skipped } = await readSelection(this.host);
    if (!sameLayers(targets.map((t) => t.info.id), layerIds)) {
      await this.refreshSelection();
      this.channel.emit({ type: 'run-refused', runId, reason: SELECTION_CHANGED_TEXT });
      return;
    }
    this.channel.emit({ type: 'run-started', runId, layers: targets.map((t) => t.info), skipped });
    if (targets.length === 0) {
      this.host.notify(skipped.length > 0 ? 'Nothing to upscale: the selected layers are hidden or empty' : 'Select one or more layers to upscale');
      this.channel.emit({ type: 'run-finished', runId, placed: 0 });
      return;
    }
    const run: RunState = { options, snapshots: new Map(), placed: 0 };
    this.#runs.set(runId, run);
    const copies = new Map<string, BesideCopyRef>();
    for (const target of targets) {
      const layerId = target.info.id;
      try {
        const copy = copies.get(target.node.id) ?? copies.set(target.node.id, {}).get(target.node.id)!;
        const native = options.placement === 'in-place' ? await nativeResult(target, options.scale) : undefined;
        if (native) {
          run.snapshots.set(layerId, snapshotOf(target, native.pixels, copy));
          await this.place(runId, layerId, native.image);
          continue;
        }
        const pixels = await readLayerPixels(this.host, target);
        run.snapshots.set(layerId, snapshotOf(target, pixels, copy));
        this.channel.emit({ type: 'layer-source', runId, layerId, bytes: pixels.bytes, width: pixels.width, height: pixels.height });
      } catch (error) {
        logFigmaError('read', target.node.name, error);
        this.channel.emit({ type: 'layer-failed', runId, layerId, reason: figmaErrorWords('read', error) });
      }
    }
  }

  /** Places one result and tells the UI how it went. */
  async place(runId: string, layerId: string, image: ResultImage): Promise<void> {
    const run = this.#runs.get(runId);
    const snap = run?.snapshots.get(layerId);
    if (!run || !snap) {
      this.channel.emit({ type: 'layer-failed', runId, layerId, reason: 'This run is over; the result was not placed' });
      return;
    }
    try {
      const node = await placeResult(this.host, snap, image, run.options);
      run.placed++;
      this.channel.emit({ type: 'layer-placed', runId, layerId, nodeId: node.id, name: node.name });
    } catch (error) {
      logFigmaError('place', snap.name, error);
      this.channel.emit({ type: 'layer-failed', runId, layerId, reason: figmaErrorWords('place', error) });
    }
  }

  /** Ends a run: everything it placed becomes one undo step, and the user gets one notification with the counts. */
  finish(runId: string, cancelled: number, failed: number): void {
    const run = this.#runs.get(runId);
    if (!run) return;
    this.#runs.delete(runId);
    this.host.commitUndo();
    this.host.notify(completionText(run.placed, cancelled, failed, run.options.scale), { error: run.placed === 0 && failed > 0 });
    this.channel.emit({ type: 'run-finished', runId, placed: run.placed });
  }
}
