/** The bottom bar: a one-line summary, and Upscale or Cancel all. */
import { isRunning, type UiState } from '../state.ts';
import { h } from './dom.ts';

/** What the footer's buttons do. */
export interface FooterActions {
  start(): void;
  cancelAll(): void;
  clear(): void;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** The summary line for a state. */
export function summaryText(state: UiState): string {
  const run = state.run;
  if (!run) {
    const n = state.selection.layers.length;
    return n === 0 ? 'Nothing selected' : `${plural(n, 'layer')} selected`;
  }
  const count = (status: string) => run.rows.filter((r) => r.status === status).length;
  const [done, cancelled, failed] = [count('done'), count('cancelled'), count('failed')];
  if (!run.finished) return run.rows.length ? `Upscaling · ${done + cancelled + failed} of ${run.rows.length} finished` : 'Reading layers…';
  const extras = [cancelled ? `${cancelled} cancelled` : '', failed ? `${failed} failed` : ''].filter(Boolean);
  return [`Done · ${done} upscaled`, ...extras].join(' · ');
}

/** Builds the footer; `update` on every state change. */
export function createFooter(actions: FooterActions): { element: HTMLElement; update(state: UiState): void } {
  const summary = h('span', { class: 'summary', attrs: { 'data-testid': 'summary', 'aria-live': 'polite' } });
  const clear = h('button', { class: 'ghost small', text: 'Clear', on: { click: () => actions.clear() } });
  const cancelAll = h('button', { class: 'secondary', text: 'Cancel all', on: { click: () => actions.cancelAll() } });
  const start = h('button', { class: 'primary', attrs: { 'data-testid': 'start' }, on: { click: () => actions.start() } });
  const element = h('footer', { class: 'bar footer' }, summary, h('div', { class: 'footer-actions' }, clear, cancelAll, start));
  return {
    element,
    update(state) {
      const running = isRunning(state);
      const n = state.selection.layers.length;
      summary.textContent = summaryText(state);
      cancelAll.hidden = !running;
      clear.hidden = !state.run || running;
      start.hidden = running;
      start.textContent = n > 1 ? `Upscale ${n} layers` : 'Upscale';
      start.disabled = n === 0 || state.connection.kind !== 'connected';
      start.title = state.connection.kind !== 'connected' ? 'Connect to the bridge first' : n === 0 ? 'Select layers first' : '';
    },
  };
}
