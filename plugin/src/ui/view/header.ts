/** The top bar: connection status and the bridge address, which can be edited in place. */
import { normalizeBridgeUrl } from '../../settings.ts';
import { activeEngineKind } from '../engine/index.ts';
import type { ConnectionState, UiState } from '../state.ts';
import { h, icon, setChildren } from './dom.ts';

const STATUS: Readonly<Record<ConnectionState['kind'], [tone: string, label: string]>> = Object.freeze({
  connected: ['ok', 'Connected'],
  connecting: ['busy', 'Connecting…'],
  down: ['error', 'Not connected'],
  blocked: ['error', 'Not connected'],
  refused: ['error', 'Not connected'],
  unpaired: ['idle', 'Not paired'],
  unauthorized: ['error', 'Not paired'],
  incompatible: ['error', 'Incompatible bridge'],
});

const IN_FIGMA_STATUS = Object.freeze({ idle: '', loading: ' · loading…', failed: ' · failed' });

/** Which engine runs, for the header: `Bridge`, `In Figma · WebAssembly` and so on. */
export function engineText(state: UiState): string {
  const kind = activeEngineKind(state);
  if (kind === 'bridge') return 'Engine: Bridge';
  if (state.settings.engine === 'auto' && state.connection.kind === 'connecting') return 'Engine: Auto · looking for the bridge…';
  if (!kind) return 'Engine: Bridge (not connected)';
  const { status, device } = state.inFigma;
  const detail = status === 'ready' ? ` · ${device === 'webgpu' ? 'WebGPU' : 'WebAssembly'}` : IN_FIGMA_STATUS[status];
  return `Engine: In Figma${detail}`;
}

/** What the header asks of the rest of the UI. */
export interface HeaderActions {
  /** Stores a new bridge address (already normalised) and reconnects. */
  changeUrl(url: string): void;
}

/** An address field with Save: Enter saves, Escape gives up; an address that cannot be read is marked, not saved. */
function addressEditor(current: string, save: (url: string) => void, stop: () => void): HTMLElement[] {
  const input = h('input', { class: 'input mono', attrs: { value: current, 'aria-label': 'Bridge address', spellcheck: 'false' } });
  const submit = () => {
    const url = normalizeBridgeUrl(input.value);
    if (url) save(url);
    else input.classList.add('invalid');
  };
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') submit();
    if (e.key === 'Escape') stop();
  });
  queueMicrotask(() => input.select());
  return [input, h('button', { class: 'secondary small', text: 'Save', on: { click: submit } })];
}

/** Builds the header; call `update` on every state change. */
export function createHeader(actions: HeaderActions): { element: HTMLElement; update(state: UiState): void } {
  const dot = h('span', { class: 'dot' });
  const label = h('span', { class: 'status-label' });
  const version = h('span', { class: 'muted' });
  const address = h('div', { class: 'address' });
  const engine = h('span', { class: 'engine muted', attrs: { 'data-testid': 'engine' } });
  const element = h('header', { class: 'bar' }, h('div', { class: 'status-stack' }, h('div', { class: 'status' }, dot, label, version), engine), address);
  let editing = false;
  let last: UiState | undefined;

  const setEditing = (on: boolean) => {
    editing = on;
    element.classList.toggle('editing', on);
    if (!on && last) showAddress(last);
  };
  const showAddress = (state: UiState) => {
    const host = state.settings.bridgeUrl.replace(/^https?:\/\//, '');
    const edit = h('button', {
      class: 'ghost icon-button', attrs: { title: 'Change the bridge address', 'aria-label': 'Change the bridge address' },
      on: { click: () => (setEditing(true), setChildren(address, ...addressEditor(state.settings.bridgeUrl, save, () => setEditing(false)))) },
    }, icon('edit'));
    setChildren(address, h('span', { class: 'muted mono', text: host, attrs: { 'data-testid': 'bridge-address' } }), edit);
  };
  const save = (url: string) => {
    editing = false;
    element.classList.remove('editing');
    actions.changeUrl(url);
  };

  return {
    element,
    update(state) {
      last = state;
      const [tone, text] = STATUS[state.connection.kind];
      dot.className = `dot ${tone}`;
      label.textContent = text;
      version.textContent = state.connection.kind === 'connected' ? `tsdsr ${state.connection.serverVersion}` : '';
      engine.textContent = engineText(state);
      engine.title = state.inFigma.message ?? '';
      if (!editing) showAddress(state);
    },
  };
}
