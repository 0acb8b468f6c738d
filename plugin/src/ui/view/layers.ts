/** The layer list: before a run, what the selection will become; during and after, each layer's progress. */
import type { ModelChoice } from '../../../../bridge-server/src/protocol/index.ts';
import type { LayerInfo, SkippedLayer } from '../../messages.ts';
import { FIGMA_MAX_IMAGE_SIDE } from '../../settings.ts';
import { activeEngineKind, IN_FIGMA_MAX_INPUT_PIXELS, IN_FIGMA_MAX_OUTPUT_PIXELS } from '../engine/index.ts';
import { isSettled, type LayerRow, type LayerStatus, type UiState } from '../state.ts';
import { IN_FIGMA_TOO_LARGE_TEXT } from '../words.ts';
import { h, icon, richText, setChildren, type IconName } from './dom.ts';

/** What the list's buttons do. */
export interface LayersActions {
  cancel(layerId: string): void;
}

/** What one row shows; rows are kept by key and only their contents change, so buttons survive updates. */
interface RowData {
  key: string;
  name: string;
  meta: string;
  tone: 'plain' | 'muted' | 'error' | 'done';
  warning?: string;
  progress?: number;
  thumbUrl?: string;
  kind: IconName;
  cancellable: boolean;
}

const STATUS_TEXT: Readonly<Record<LayerStatus, string>> = Object.freeze({
  reading: 'Reading layer…', waiting: 'Waiting', queued: 'Queued', running: 'Upscaling', placing: 'Placing', done: 'Done', cancelled: 'Cancelled', failed: 'Failed',
});

const KIND_ICONS: Readonly<Record<string, IconName>> = Object.freeze({
  FRAME: 'frame', SECTION: 'frame', GROUP: 'group', TEXT: 'text', VECTOR: 'vector', BOOLEAN_OPERATION: 'vector',
  COMPONENT: 'component', COMPONENT_SET: 'component', INSTANCE: 'component',
});

function kindIcon(layer: { source: string; nodeType: string }): IconName {
  return layer.source === 'image' ? 'image' : KIND_ICONS[layer.nodeType] ?? 'shape';
}

function size(w: number, h: number): string {
  return `${w}×${h}`;
}

function previewRow(layer: LayerInfo, scale: number, oversize: string, inFigma: boolean): RowData {
  const [w, h] = [Math.round(layer.widthPx * scale), Math.round(layer.heightPx * scale)];
  const over = w > FIGMA_MAX_IMAGE_SIDE || h > FIGMA_MAX_IMAGE_SIDE;
  const notes = [
    inFigma && (w * h > IN_FIGMA_MAX_OUTPUT_PIXELS || layer.widthPx * layer.heightPx > IN_FIGMA_MAX_INPUT_PIXELS) ? IN_FIGMA_TOO_LARGE_TEXT : '',
    layer.locked ? 'Locked: the result goes beside it' : '',
    layer.warning ?? '',
    over ? `Over ${FIGMA_MAX_IMAGE_SIDE} px at ${scale}×: ${oversize === 'cap' ? 'will be shrunk to fit' : 'will be split into tiles'}` : '',
  ].filter(Boolean);
  const kind = layer.source === 'image' ? 'Image' : layer.nodeType.charAt(0) + layer.nodeType.slice(1).toLowerCase();
  return {
    key: `pre:${layer.id}`, name: layer.name, meta: `${kind} · ${size(layer.widthPx, layer.heightPx)} → ${size(w, h)} px`, tone: 'plain',
    ...(notes.length ? { warning: notes.join(' · ') } : {}), kind: kindIcon(layer), cancellable: false,
  };
}

function skippedRow(layer: SkippedLayer, prefix: string): RowData {
  return { key: `${prefix}skip:${layer.id}`, name: layer.name, meta: layer.reason, tone: 'muted', kind: 'hidden', cancellable: false };
}

function progressOf(row: LayerRow): number {
  const fractions: Record<LayerStatus, number> = { reading: 0.02, waiting: 0.05, queued: 0.08, running: 0.1, placing: 0.95, done: 1, cancelled: 0, failed: 0 };
  const tiles = row.tilesTotal > 0 ? row.tilesDone / row.tilesTotal : 0;
  return row.status === 'running' ? 0.1 + 0.85 * tiles : fractions[row.status];
}

/** Which model an auto model ran and why, e.g. `ran tsdsr-fast-real (degraded source, score 0.87)`. */
export function choiceText(choice: ModelChoice): string {
  return `ran ${choice.model} (${choice.degradation} source, score ${choice.score.toFixed(2)})`;
}

function runRow(row: LayerRow, scale: number): RowData {
  const target = size(Math.round(row.widthPx * scale), Math.round(row.heightPx * scale));
  let meta = `${STATUS_TEXT[row.status]} · ${size(row.widthPx, row.heightPx)} → ${target} px`;
  if (row.status === 'running' && row.tilesTotal > 1) meta = `Upscaling · tile ${row.tilesDone} of ${row.tilesTotal}`;
  if (row.choice) meta += ` · ${choiceText(row.choice)}`;
  if (row.smoothing) meta += ' · input smoothed';
  if (row.status === 'failed' || row.status === 'cancelled') meta = row.detail ?? STATUS_TEXT[row.status];
  const tone = row.status === 'failed' ? 'error' : row.status === 'cancelled' ? 'muted' : row.status === 'done' ? 'done' : 'plain';
  const active = !isSettled(row.status);
  return {
    key: `run:${row.layerId}`, name: row.name, meta, tone, ...(row.warning ? { warning: row.warning } : {}),
    ...(active ? { progress: progressOf(row) } : {}), ...(row.thumbUrl ? { thumbUrl: row.thumbUrl } : {}),
    kind: kindIcon(row), cancellable: active && row.status !== 'placing',
  };
}

/** The rows to show for a state. */
export function rowsFor(state: UiState): RowData[] {
  const run = state.run;
  if (run) return [...run.rows.map((r) => runRow(r, run.scale)), ...run.skipped.map((s) => skippedRow(s, 'run'))];
  const { scale, oversize } = state.settings;
  const inFigma = activeEngineKind(state) === 'figma';
  return [...state.selection.layers.map((l) => previewRow(l, scale, oversize, inFigma)), ...state.selection.skipped.map((s) => skippedRow(s, 'pre'))];
}

interface RowView {
  li: HTMLLIElement;
  fill(data: RowData): void;
}

function createRow(actions: LayersActions): RowView {
  const thumb = h('div', { class: 'thumb' });
  const name = h('div', { class: 'layer-name' });
  const meta = h('div', { class: 'layer-meta' });
  const warning = h('div', { class: 'layer-warning' });
  const bar = h('div', { class: 'progress-fill' });
  const progress = h('div', { class: 'progress' }, bar);
  const end = h('div', { class: 'layer-end' });
  let layerId = '';
  const cancel = h('button', {
    class: 'ghost icon-button', attrs: { title: 'Cancel this layer', 'aria-label': 'Cancel' }, on: { click: () => actions.cancel(layerId) },
  }, icon('close'));
  const li = h('li', { class: 'layer' }, thumb, h('div', { class: 'layer-main' }, name, meta, warning, progress), end);
  let shownThumb: string | undefined;
  return {
    li,
    fill(data) {
      layerId = data.key.replace(/^run:/, '');
      li.className = `layer ${data.tone}`;
      li.dataset.key = data.key;
      name.textContent = data.name;
      name.title = data.name;
      setChildren(meta, ...richText(data.meta));
      warning.hidden = !data.warning;
      warning.textContent = data.warning ?? '';
      progress.hidden = data.progress === undefined;
      bar.style.width = `${Math.round((data.progress ?? 0) * 100)}%`;
      if (data.thumbUrl !== shownThumb || !data.thumbUrl) {
        shownThumb = data.thumbUrl;
        setChildren(thumb, data.thumbUrl ? h('img', { attrs: { src: data.thumbUrl, alt: '' } }) : h('span', {}, icon(data.kind)));
      }
      const mark = data.cancellable ? cancel : data.tone === 'done' ? icon('check') : data.tone === 'error' ? icon('alert') : null;
      if (end.firstChild !== mark) setChildren(end, mark);
    },
  };
}

/** Builds the list; `update` reuses rows by key. */
export function createLayers(actions: LayersActions): { element: HTMLElement; update(state: UiState): void } {
  const list = h('ul', { class: 'layers', attrs: { 'aria-label': 'Layers' } });
  const empty = h('p', { class: 'empty', text: 'Select layers on the canvas to upscale them.' });
  const element = h('section', { class: 'layers-panel' }, list, empty);
  const views = new Map<string, RowView>();
  return {
    element,
    update(state) {
      const rows = rowsFor(state);
      empty.hidden = rows.length > 0 || !!state.run;
      const keep = new Set(rows.map((r) => r.key));
      for (const [key, view] of views) {
        if (keep.has(key)) continue;
        views.delete(key);
        view.li.remove();
      }
      rows.forEach((data, i) => {
        const view = views.get(data.key) ?? createRow(actions);
        views.set(data.key, view);
        view.fill(data);
        if (list.children[i] !== view.li) list.insertBefore(view.li, list.children[i] ?? null);
      });
    },
  };
}
