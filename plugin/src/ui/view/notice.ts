/** The notice under the header: what went wrong and what to do, with a Retry button or the pairing field. */
import { DEFAULT_BRIDGE_URL } from '../../settings.ts';
import { activeEngineKind } from '../engine/index.ts';
import type { UiState } from '../state.ts';
import { connectionNotice, IN_FIGMA_MEANWHILE_TEXT, refusalNotice, type Notice } from '../words.ts';
import { h, richText, setChildren } from './dom.ts';

/** What the notice's buttons do. */
export interface NoticeActions {
  retry(): void;
  pair(token: string): void;
  /** Goes back to the bridge's default address and connects. */
  useDefaultAddress(): void;
}

/**
 * The notice for a state: the bridge's (none when the user chose In Figma; an info with a note when Auto upscales in
 * Figma because no bridge runs or none is paired), else why the last run did not start.
 */
export function noticeFor(state: UiState): Notice | undefined {
  const bridge = state.settings.engine === 'figma' ? undefined : connectionNotice(state.connection, state.settings.bridgeUrl);
  const fallingBack = activeEngineKind(state) === 'figma' && (state.connection.kind === 'down' || state.connection.kind === 'unpaired');
  if (bridge && fallingBack) return { ...bridge, tone: 'info', note: IN_FIGMA_MEANWHILE_TEXT };
  return bridge ?? (state.refusal ? refusalNotice(state.refusal) : undefined);
}

/** Builds the notice; `update` redraws it (also every second, for the retry countdown). */
export function createNotice(actions: NoticeActions): { element: HTMLElement; update(state: UiState): void } {
  const element = h('section', { class: 'notice', attrs: { role: 'status', 'data-testid': 'notice' } });
  const title = h('div', { class: 'notice-title' });
  const body = h('p', { class: 'notice-body' });
  const note = h('p', { class: 'notice-note muted', attrs: { 'data-testid': 'notice-note' } });
  const actionsRow = h('div', { class: 'notice-actions' });
  element.append(title, body, note, actionsRow);
  const tokenInput = h('input', {
    class: 'input mono', attrs: { type: 'password', placeholder: 'Paste token', 'aria-label': 'Pairing token', spellcheck: 'false', autocomplete: 'off' },
  });
  const pair = () => tokenInput.value.trim() && actions.pair(tokenInput.value.trim());
  tokenInput.addEventListener('keydown', (e) => e.key === 'Enter' && pair());
  const pairRow = h('div', { class: 'row-inline' }, tokenInput, h('button', { class: 'primary small', text: 'Pair', on: { click: pair } }));
  const retryButton = h('button', { class: 'secondary small', text: 'Retry now', on: { click: () => actions.retry() } });
  const defaultAddress = DEFAULT_BRIDGE_URL.replace(/^https?:\/\//, '');
  const useDefault = h('button', { class: 'primary small', text: `Use ${defaultAddress}`, on: { click: () => actions.useDefaultAddress() } });
  const defaultRow = h('div', { class: 'row-inline' }, useDefault);
  let shownAction: string | undefined;

  return {
    element,
    update(state) {
      const notice = state.ready ? noticeFor(state) : undefined;
      element.hidden = !notice;
      if (!notice) return void (shownAction = undefined);
      element.className = `notice ${notice.tone}`;
      title.textContent = notice.title;
      setChildren(body, ...richText(notice.body));
      setChildren(note, ...richText(notice.note ?? ''));
      note.hidden = !notice.note;
      if (shownAction === notice.action) return;
      shownAction = notice.action;
      if (notice.action === 'use-default') defaultRow.append(retryButton);
      setChildren(actionsRow, notice.action === 'pair' ? pairRow : notice.action === 'retry' ? retryButton : notice.action === 'use-default' ? defaultRow : null);
      if (notice.action === 'pair') tokenInput.value = '';
    },
  };
}
