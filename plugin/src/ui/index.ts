/** Entry of the plugin UI (bundled into plugin/dist/ui.html): wires the store, the engines (bridge, in Figma), the run and the views. */
import { DEFAULT_BRIDGE_URL, type Settings } from '../settings.ts';
import { uiChannel } from './channel.ts';
import { Connection } from './connection.ts';
import { bridgeEngine, Engines, LocalEngine } from './engine/index.ts';
import { RunController } from './run.ts';
import { isRunning, Store } from './state.ts';
import { createFooter } from './view/footer.ts';
import { createHeader } from './view/header.ts';
import { createLayers } from './view/layers.ts';
import { createNotice } from './view/notice.ts';
import { createOptions } from './view/options.ts';

const store = new Store();
const channel = uiChannel();
const connection = new Connection(store, {
  message: (m) => run.onBridgeMessage(m),
  result: (r, png) => void run.onResult(r, png),
  lost: () => run.onConnectionLost(),
  ready: () => {
    keepModelAvailable();
    run.pump();
  },
});
// The in-Figma engine: loaded on its first job, or when the user picks it.
const inFigma = new LocalEngine(store, {
  message: (m) => run.onBridgeMessage(m),
  result: (r, png) => void run.onResult(r, png),
});
// The listeners call into the run only after events arrive, so the run may be created after them.
const run = new RunController(store, channel, new Engines(() => store.state, bridgeEngine(connection), inFigma));

function changeSettings(change: Partial<Settings>): void {
  store.update((s) => void (s.settings = { ...s.settings, ...change }));
  channel.emit({ type: 'save-settings', settings: store.state.settings });
  if (change.engine === 'figma') inFigma.warmUp();
  if (change.engine) run.pump();
}

/** When the stored model is not on this bridge, picks the bridge's first model. */
function keepModelAvailable(): void {
  const { connection: c, settings } = store.state;
  if (c.kind === 'connected' && c.models.length > 0 && !c.models.some((m) => m.id === settings.model)) changeSettings({ model: c.models[0]!.id });
}

function clearRun(): void {
  for (const row of store.state.run?.rows ?? []) if (row.thumbUrl) URL.revokeObjectURL(row.thumbUrl);
  store.update((s) => void (s.run = undefined));
}

const header = createHeader({ changeUrl: (url) => (changeSettings({ bridgeUrl: url }), connection.retryNow()) });
const notice = createNotice({
  retry: () => connection.retryNow(),
  pair: (token) => {
    store.update((s) => void (s.token = token));
    channel.emit({ type: 'save-token', token });
    connection.retryNow();
  },
  useDefaultAddress: () => (changeSettings({ bridgeUrl: DEFAULT_BRIDGE_URL }), connection.retryNow()),
});
/** Fetches the bridge's model list again (a style trained since the handshake appears) and keeps the choice valid. */
function refreshModels(): void {
  void connection.refreshModels().then((changed) => changed && keepModelAvailable());
}

const options = createOptions({ change: changeSettings, openModels: refreshModels });
// Back in the plugin after training a style in a terminal: its model is listed before the picker is opened.
window.addEventListener('focus', refreshModels);
const layers = createLayers({ cancel: (id) => run.cancel(id) });
const footer = createFooter({
  start: () => (store.state.run && clearRun(), run.start()),
  cancelAll: () => run.cancelAll(),
  clear: clearRun,
});
document.getElementById('app')!.append(header.element, notice.element, options.element, layers.element, footer.element);
store.subscribe((state) => {
  for (const view of [header, notice, options, layers, footer]) view.update(state);
  document.body.classList.toggle('running', isRunning(state));
});
setInterval(() => notice.update(store.state), 1000);

channel.on('init', (m) => {
  store.update((s) => {
    Object.assign(s, { ready: true, settings: m.settings, token: m.token });
    if (m.seq > s.selectionSeq) Object.assign(s, { selection: m.selection, selectionSeq: m.seq });
  });
  connection.connect();
});
channel.on('selection', (m) => {
  if (m.seq <= store.state.selectionSeq) return;
  if (store.state.run?.finished) clearRun();
  store.update((s) => {
    Object.assign(s, { selection: m.selection, selectionSeq: m.seq });
    delete s.refusal;
  });
});
channel.on('run-refused', (m) => run.onRefused(m));
channel.on('run-started', (m) => run.onStarted(m));
channel.on('layer-source', (m) => run.onSource(m));
channel.on('layer-failed', (m) => run.onLayerFailed(m));
channel.on('layer-placed', (m) => run.onPlaced(m));
channel.on('run-finished', (m) => run.onFinished(m));
channel.emit({ type: 'ui-ready' });
