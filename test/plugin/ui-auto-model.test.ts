// The plugin's layer list after an `auto` model ran: each row says which model the bridge chose and why.
import { describe, expect, it } from 'vitest';
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
