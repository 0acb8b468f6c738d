// The plugin's layer list after an `auto` model ran: each row says which model the bridge chose and why, and whether
// the input was smoothed before the model ran (with any model).
import { describe, expect, it } from 'vitest';
import type { Channel, MainToUi, UiToMain } from '../../plugin/src/messages.ts';
import type { Engines } from '../../plugin/src/ui/engine/index.ts';
import { RunController } from '../../plugin/src/ui/run.ts';
import { Store, type LayerRow } from '../../plugin/src/ui/state.ts';
import { rowsFor } from '../../plugin/src/ui/view/layers.ts';

function stateWith(rows: LayerRow[]): Store['state'] {
  const store = new Store();
  store.update((state) => void (state.run = { runId: 'r1', scale: 2, rows, skipped: [], finished: true }));
  return store.state;
}

const row = (layerId: string, extra: Partial<LayerRow>): LayerRow => ({
  layerId, name: layerId, nodeType: 'RECTANGLE', source: 'image', widthPx: 40, heightPx: 30, status: 'done', tilesDone: 1, tilesTotal: 1, ...extra,
});

describe('the layer list after a run with an auto model', () => {
  it('shows the model each layer ran and the degradation score, and nothing for other models', () => {
    const rows = rowsFor(stateWith([
      row('photo', { choice: { model: 'tsdsr-fast-real', degradation: 'degraded', score: 0.873 } }),
      row('icon', { choice: { model: 'tsdsr-fast', degradation: 'clean', score: 0.04 } }),
      row('plain', {}),
      row('broken', { status: 'failed', detail: 'The bridge stopped.', choice: { model: 'tsdsr-fast', degradation: 'clean', score: 0.1 } }),
    ]));
    expect(rows.map((r) => r.meta)).toEqual([
      'Done · 40×30 → 80×60 px · ran tsdsr-fast-real (degraded source, score 0.87)',
      'Done · 40×30 → 80×60 px · ran tsdsr-fast (clean source, score 0.04)',
      'Done · 40×30 → 80×60 px',
      'The bridge stopped.',
    ]);
  });
});

describe('the layer list after a run whose input was smoothed', () => {
  it('says so briefly on the rows whose result reports smoothing, with an auto model or any other', () => {
    const smoothing = { level: 12, radius: 4 };
    const rows = rowsFor(stateWith([
      row('photo', { choice: { model: 'tsdsr-real', degradation: 'degraded', score: 0.91 }, smoothing }),
      row('direct', { smoothing }),
      row('plain', {}),
    ]));
    expect(rows.map((r) => r.meta)).toEqual([
      'Done · 40×30 → 80×60 px · ran tsdsr-real (degraded source, score 0.91) · input smoothed',
      'Done · 40×30 → 80×60 px · input smoothed',
      'Done · 40×30 → 80×60 px',
    ]);
  });
});

describe('a result from the bridge', () => {
  it('puts the choice and the smoothing it reports on its layer\'s row', async () => {
    const store = new Store();
    const channel: Channel<UiToMain, MainToUi> = { emit: () => {}, on: () => () => {} };
    const run = new RunController(store, channel, { active: () => undefined } as unknown as Engines);
    run.start();
    const runId = store.state.run!.runId;
    const layer = { name: 'photo', source: 'image', nodeType: 'RECTANGLE', widthPx: 40, heightPx: 30, locked: false } as const;
    run.onStarted({ type: 'run-started', runId, layers: [{ ...layer, id: 'a' }, { ...layer, id: 'b' }], skipped: [] });
    const result = { type: 'result', width: 80, height: 60, model: 'tsdsr-auto', scale: 2 } as const;
    const choice = { model: 'tsdsr-real', degradation: 'degraded', score: 0.91 } as const;
    await run.onResult({ ...result, id: `${runId}-1`, choice, smoothing: { level: 12, radius: 4 } }, new Uint8Array(8));
    await run.onResult({ ...result, id: `${runId}-2`, choice }, new Uint8Array(8));
    const [smoothed, plain] = store.state.run!.rows;
    expect(smoothed).toMatchObject({ choice, smoothing: { level: 12, radius: 4 } });
    expect(plain).toMatchObject({ choice });
    expect(plain).not.toHaveProperty('smoothing');
  });
});
