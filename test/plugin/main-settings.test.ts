// Settings and the pairing token in clientStorage; the typed message channel; the address and version helpers.
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { createChannel, MAIN_TO_UI_TYPES, type MainToUi, type UiToMain } from '../../plugin/src/messages.ts';
import { DEFAULT_SETTINGS, normalizeBridgeUrl, normalizeSettings, webSocketUrl, type Settings } from '../../plugin/src/settings.ts';
import { PLUGIN_VERSION } from '../../plugin/src/version.ts';
import { createFigmaHost } from '../helpers/figma-host.ts';
import { startTestPlugin } from './scene.ts';

describe('settings', () => {
  it('starts with defaults, persists changes in clientStorage and hands them back on the next start', async () => {
    const host = createFigmaHost();
    const first = startTestPlugin(host);
    host.sendToMain({ type: 'ui-ready' });
    expect(await first.next('init')).toMatchObject({ settings: DEFAULT_SETTINGS, token: '' });
    expect(host.shownUi?.options).toMatchObject({ width: 320, themeColors: true });

    const changed: Settings = { bridgeUrl: 'http://localhost:9000', engine: 'figma', model: 'nearest', scale: 2, colorFix: 'adain', placement: 'beside', oversize: 'split' };
    host.sendToMain({ type: 'save-settings', settings: changed });
    host.sendToMain({ type: 'save-token', token: '  the-token \n' });
    await vi.waitFor(() => expect(host.storage.size).toBe(2));

    const again = startTestPlugin(host);
    host.sendToMain({ type: 'ui-ready' });
    expect(await again.next('init')).toMatchObject({ settings: changed, token: 'the-token' });
  });

  it('forgets the token when an empty one is saved', async () => {
    const p = startTestPlugin();
    p.host.sendToMain({ type: 'save-token', token: 'abc' });
    await vi.waitFor(() => expect(p.host.storage.get('tsdsr.token')).toBe('abc'));
    p.host.sendToMain({ type: 'save-token', token: '' });
    await vi.waitFor(() => expect(p.host.storage.has('tsdsr.token')).toBe(false));
  });

  it('repairs damaged stored settings field by field', () => {
    expect(normalizeSettings({ scale: 7, model: 'Bad Model!', placement: 'beside', colorFix: 'wavelet', bridgeUrl: 'ftp://x' })).toEqual({
      ...DEFAULT_SETTINGS, placement: 'beside', colorFix: 'wavelet',
    });
    expect(normalizeSettings(null)).toEqual(DEFAULT_SETTINGS);
  });

  it('reads the bridge address however it is typed', () => {
    expect(normalizeBridgeUrl('127.0.0.1:8731')).toBe('http://127.0.0.1:8731');
    expect(normalizeBridgeUrl('ws://LOCALHOST:9000/v1/ws')).toBe('http://localhost:9000');
    expect(normalizeBridgeUrl(' http://127.0.0.1 ')).toBe('http://127.0.0.1:8731');
    expect(normalizeBridgeUrl('https://bridge.example:443/')).toBe('https://bridge.example:443');
    expect(normalizeBridgeUrl('http://127.0.0.1:99999')).toBeUndefined();
    expect(normalizeBridgeUrl('not a url')).toBeUndefined();
    expect(webSocketUrl('http://127.0.0.1:8731')).toBe('ws://127.0.0.1:8731/v1/ws');
  });

  it('sends the version from package.json in the hello', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(PLUGIN_VERSION).toBe(pkg.version);
  });
});

describe('the message channel', () => {
  it('delivers typed messages by type, ignores unknown ones and reports handler failures', async () => {
    let deliver: (message: unknown) => void = () => {};
    const sent: UiToMain[] = [];
    const errors: unknown[] = [];
    const channel = createChannel<UiToMain, MainToUi>({ send: (m) => sent.push(m), listen: (r) => (deliver = r) }, MAIN_TO_UI_TYPES, (e) => errors.push(e));
    const finished: string[] = [];
    const stop = channel.on('run-finished', (m) => void finished.push(m.runId));
    channel.on('selection', async () => { throw new Error('boom'); });
    deliver({ type: 'run-finished', runId: 'a', placed: 1 });
    deliver({ type: 'no-such-type' });
    deliver('junk');
    deliver({ type: 'selection', selection: { layers: [], skipped: [] } });
    stop();
    deliver({ type: 'run-finished', runId: 'b', placed: 0 });
    channel.emit({ type: 'ui-ready' });
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    expect(finished).toEqual(['a']);
    expect(sent).toEqual([{ type: 'ui-ready' }]);
  });
});
