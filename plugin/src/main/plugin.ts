/** The main thread's wiring: opens the UI, answers its messages, follows the selection. */
import { createChannel, UI_TO_MAIN_TYPES, type Channel, type MainToUi, type UiToMain } from '../messages.ts';
import { figmaErrorWords, logFigmaError } from './figma-errors.ts';
import type { PluginHost } from './host.ts';
import { RunController } from './run.ts';
import { SelectionFeed } from './selection-feed.ts';
import { loadSettings, loadToken, saveSettings, saveToken } from './storage.ts';

/** Size of the plugin window, in CSS pixels. */
export const UI_SIZE = Object.freeze({ width: 320, height: 540 });

/** The typed channel to the UI over figma.ui. */
export function mainChannel(host: PluginHost): Channel<MainToUi, UiToMain> {
  return createChannel<MainToUi, UiToMain>(
    { send: (message) => host.ui.postMessage(message), listen: (receive) => (host.ui.onmessage = (message) => receive(message)) },
    UI_TO_MAIN_TYPES,
    (error) => {
      logFigmaError('plugin', 'answer the plugin window', error);
      host.notify(`tsdsr: ${figmaErrorWords('plugin', error)}`, { error: true });
    },
  );
}

/** Starts the plugin: shows `html` as the UI and serves it until the plugin closes; returns the channel (for tests). */
export function startPlugin(host: PluginHost, html: string): Channel<MainToUi, UiToMain> {
  host.showUI(html, { ...UI_SIZE, themeColors: true, title: 'tsdsr upscaler' });
  const channel = mainChannel(host);
  const selection = new SelectionFeed(host, channel);
  const runs = new RunController(host, channel, () => selection.send());

  channel.on('ui-ready', async () => {
    // The UI keeps the highest-numbered summary, so a selection sent while these load is not undone by init.
    const [settings, token, summary] = await Promise.all([loadSettings(host), loadToken(host), selection.summarize()]);
    channel.emit({ type: 'init', settings, token, selection: summary.selection, seq: summary.seq });
  });
  channel.on('save-settings', (m) => saveSettings(host, m.settings));
  channel.on('save-token', (m) => saveToken(host, m.token));
  channel.on('start-run', (m) => runs.start(m.runId, m.options, m.layerIds));
  channel.on('place-result', (m) => runs.place(m.runId, m.layerId, m.image));
  channel.on('finish-run', (m) => runs.finish(m.runId, m.cancelled, m.failed));
  channel.on('notify', (m) => void host.notify(m.text, { error: m.error === true }));
  host.on('selectionchange', () => void selection.send());
  return channel;
}
