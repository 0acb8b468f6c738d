/** The bottom bar: a summary (wrapping onto a second line rather than hiding a failure), and Upscale or Cancel all. */
import { activeEngineKind } from '../engine/index.ts';
import { isRunning, type UiState } from '../state.ts';
import { h, setChildren } from './dom.ts';

/** What the footer's buttons do. */
export interface FooterActions {
  start(): void;
  cancelAll(): void;
  clear(): void;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** One part of the summary; parts are joined with ` · ` and the line may wrap only between them. */
export interface SummaryPart {
  text: string;
  failed?: boolean;
}

/** The summary for a state, in parts; a run's failures are their own part, never cut off. */
export function summaryParts(state: UiState): SummaryPart[] {
  const run = state.run;
  if (!run) {
    const n = state.selection.layers.length;
    return [{ text: n === 0 ? 'Nothing selected' : `${plural(n, 'layer')} selected` }];
  }
  const count = (status: string) => run.rows.filter((r) => r.status === status).length;
  const [done, cancelled, failed] = [count('done'), count('cancelled'), count('failed')];
  const settled = done + cancelled + failed;
  const head = run.finished ? [{ text: 'Done' }, { text: `${done} upscaled` }]
    : run.rows.length ? [{ text: 'Upscaling' }, { text: `${settled} of ${run.rows.length} finished` }] : [{ text: 'Reading layers…' }];
  return [...head, ...(cancelled ? [{ text: `${cancelled} cancelled` }] : []), ...(failed ? [{ text: `${failed} failed`, failed: true }] : [])];
}

/** The summary as one line of text. */
export function summaryText(state: UiState): string {
  return summaryParts(state).map((part) => part.text).join(' · ');
}

function summaryNodes(parts: SummaryPart[]): Node[] {
  return parts.flatMap((part, i) => {
    const attrs: Record<string, string> = part.failed ? { 'data-testid': 'summary-failed' } : {};
    const span = h('span', { class: part.failed ? 'summary-part failed' : 'summary-part', text: part.text, attrs });
    return i === 0 ? [span] : [document.createTextNode(' · '), span];
  });
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
      const text = summaryText(state);
      if (summary.textContent !== text) setChildren(summary, ...summaryNodes(summaryParts(state)));
      cancelAll.hidden = !running;
      clear.hidden = !state.run || running;
      start.hidden = running;
      start.textContent = n > 1 ? `Upscale ${n} layers` : 'Upscale';
      const engine = activeEngineKind(state);
      start.disabled = n === 0 || !engine;
      start.title = !engine ? 'Connect to the bridge first, or choose the In Figma engine' : n === 0 ? 'Select layers first' : '';
    },
  };
}
