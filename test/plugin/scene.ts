/** Helpers for the main-thread tests: a started plugin on the fake host, a UI stand-in, PNGs made with sharp. */
import sharp from 'sharp';
import type { MainToUi, MessageOf, ResultImage, RunOptions } from '../../plugin/src/messages.ts';
import { startPlugin } from '../../plugin/src/main/plugin.ts';
import { summarizeSelection } from '../../plugin/src/main/selection.ts';
import { createFigmaHost, type FigmaHost } from '../helpers/figma-host.ts';

/** A PNG of one colour (default: opaque orange) made with sharp. */
export async function solidPng(width: number, height: number, rgba: [number, number, number, number] = [240, 120, 30, 255]): Promise<Uint8Array> {
  const data = Buffer.alloc(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set(rgba, i);
  return new Uint8Array(await sharp(data, { raw: { width, height, channels: 4 } }).png().toBuffer());
}

/** A plugin running on a fake host, with a stand-in for the UI side. */
export interface PluginUnderTest {
  host: FigmaHost;
  /** Waits for the first message not taken yet whose type is one of `types`, and takes it. */
  next<T extends MainToUi['type']>(...types: T[]): Promise<MessageOf<MainToUi, T>>;
  /** Every message of `type` sent so far. */
  all<T extends MainToUi['type']>(type: T): MessageOf<MainToUi, T>[];
}

/** Starts the plugin on a fresh fake host. */
export function startTestPlugin(host: FigmaHost = createFigmaHost()): PluginUnderTest {
  startPlugin(host.figma, '<p>ui</p>');
  const taken = new Set<unknown>(host.toUi);
  const find = (types: string[]) => host.toUi.find((m) => !taken.has(m) && types.includes((m as { type: string }).type));
  return {
    host,
    async next(...types) {
      for (let waited = 0; waited < 5000; waited += 5) {
        const found = find(types);
        if (found) {
          taken.add(found);
          return found as never;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      throw new Error(`the plugin sent no ${types.join(' or ')}; it sent ${host.toUi.map((m) => (m as { type: string }).type).join(', ')}`);
    },
    all: (type) => host.toUi.filter((m) => (m as { type: string }).type === type) as never,
  };
}

/** What the stand-in UI does with each layer's pixels: by default a solid PNG `scale` times larger, in one tile. */
export type MakeResult = (source: MessageOf<MainToUi, 'layer-source'>) => Promise<ResultImage>;

/** A one-tile result `scale` times the source's size. */
export function scaledResult(scale: number): MakeResult {
  return async ({ width, height }) => {
    const [w, h] = [width * scale, height * scale];
    return { width: w, height: h, tiles: [{ x: 0, y: 0, width: w, height: h, bytes: await solidPng(w, h) }] };
  };
}

/** Solid tiles of at most `side` pixels covering a `width` × `height` result, as the UI sends a result over 4096 px. */
export async function solidTiles(width: number, height: number, side: number): Promise<ResultImage> {
  const tiles: ResultImage['tiles'] = [];
  for (let y = 0; y < height; y += side) {
    for (let x = 0; x < width; x += side) {
      const [w, h] = [Math.min(side, width - x), Math.min(side, height - y)];
      tiles.push({ x, y, width: w, height: h, bytes: await solidPng(w, h) });
    }
  }
  return { width, height, tiles };
}

/** Asks the plugin to start a run on the current selection, listing its layers as the UI would. */
export async function startRun(p: PluginUnderTest, runId: string, options: RunOptions): Promise<void> {
  const { layers } = await summarizeSelection(p.host.figma);
  p.host.sendToMain({ type: 'start-run', runId, options, layerIds: layers.map((l) => l.id) });
}

/** Runs the plugin on the current selection like the UI would: start, place every result, finish. */
export async function runAll(p: PluginUnderTest, options: RunOptions, make: MakeResult = scaledResult(options.scale)) {
  const runId = `run-${Math.random().toString(36).slice(2, 8)}`;
  await startRun(p, runId, options);
  const started = await p.next('run-started');
  const outcomes: MessageOf<MainToUi, 'layer-placed' | 'layer-failed'>[] = [];
  const sources: MessageOf<MainToUi, 'layer-source'>[] = [];
  for (let i = 0; i < started.layers.length; i++) {
    // A text or vector layer replaced in place is placed by the main thread itself (Figma's export at scale): no source.
    const source = await p.next('layer-source', 'layer-failed', 'layer-placed');
    if (source.type !== 'layer-source') {
      outcomes.push(source);
      continue;
    }
    sources.push(source);
    p.host.sendToMain({ type: 'place-result', runId, layerId: source.layerId, image: await make(source) });
    outcomes.push(await p.next('layer-placed', 'layer-failed'));
  }
  p.host.sendToMain({ type: 'finish-run', runId, cancelled: 0, failed: outcomes.filter((o) => o.type === 'layer-failed').length });
  const finished = await p.next('run-finished');
  return { started, sources, outcomes, finished };
}
