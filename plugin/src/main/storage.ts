/** Settings and the pairing token in figma.clientStorage (per user, per plugin, on this machine). */
import { normalizeSettings, type Settings } from '../settings.ts';
import type { PluginHost } from './host.ts';

const SETTINGS_KEY = 'tsdsr.settings';
const TOKEN_KEY = 'tsdsr.token';

/** The stored settings, with defaults for anything missing or damaged. */
export async function loadSettings(host: PluginHost): Promise<Settings> {
  return normalizeSettings(await host.clientStorage.getAsync(SETTINGS_KEY));
}

/** Stores settings (normalised first, so a bad message cannot store junk). */
export async function saveSettings(host: PluginHost, settings: Settings): Promise<void> {
  await host.clientStorage.setAsync(SETTINGS_KEY, normalizeSettings(settings));
}

/** The stored pairing token, or '' before pairing. */
export async function loadToken(host: PluginHost): Promise<string> {
  const token: unknown = await host.clientStorage.getAsync(TOKEN_KEY);
  return typeof token === 'string' ? token : '';
}

/** Stores the pairing token; an empty token forgets it. */
export async function saveToken(host: PluginHost, token: string): Promise<void> {
  const trimmed = token.trim();
  if (trimmed) await host.clientStorage.setAsync(TOKEN_KEY, trimmed);
  else await host.clientStorage.deleteAsync(TOKEN_KEY);
}
