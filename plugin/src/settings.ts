/** The user's choices, shared by the main thread (which stores them) and the UI (which edits them). */
import { DEFAULT_MODEL } from '../../bridge-server/src/protocol/defaults.ts';
import type { UpscaleMessage } from '../../bridge-server/src/protocol/index.ts';

/** How result colours are aligned to the input, as the bridge names it. */
export type ColorFix = NonNullable<UpscaleMessage['colorFix']>;
/** A colour-fix choice: the model's own default, or one named method. */
export type ColorFixChoice = 'model' | ColorFix;
/** Where results go: replacing the original's pixels, or as a new layer beside it. */
export type Placement = 'in-place' | 'beside';
/** What to do with a result larger than Figma's image limit: shrink it to fit, or split it into tiles. */
export type Oversize = 'cap' | 'split';
/** Which engine upscales: the bridge when it is connected, else in Figma (`auto`); only the bridge; only in Figma. */
export type EngineChoice = 'auto' | 'bridge' | 'figma';
/** The scale factors the plugin offers. */
export const SCALES = Object.freeze([2, 3, 4] as const);
/** One of {@link SCALES}. */
export type Scale = (typeof SCALES)[number];

/** Everything the plugin remembers between runs (the token is stored separately). */
export interface Settings {
  /** The bridge's base address, `http://host:port`. */
  bridgeUrl: string;
  engine: EngineChoice;
  model: string;
  scale: Scale;
  colorFix: ColorFixChoice;
  placement: Placement;
  oversize: Oversize;
}

/** Figma refuses images wider or taller than this many pixels. */
export const FIGMA_MAX_IMAGE_SIDE = 4096;

/** Where `tsdsr serve` listens by default. */
export const DEFAULT_BRIDGE_URL = 'http://127.0.0.1:8731';

/** Settings of a first run; a bridge without the default model makes the UI pick the first model it lists. */
export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  bridgeUrl: DEFAULT_BRIDGE_URL,
  engine: 'auto',
  model: DEFAULT_MODEL,
  scale: 4,
  colorFix: 'model',
  placement: 'in-place',
  oversize: 'cap',
});

const URL_PATTERN = /^(?:(https?|wss?):\/\/)?(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?\/?(?:v1\/ws\/?)?$/;

/** Reads what a user typed as the bridge address (`127.0.0.1:8731`, `ws://localhost:8731/v1/ws`, ...) as `http://host:port`. */
export function normalizeBridgeUrl(text: string): string | undefined {
  const match = URL_PATTERN.exec(text.trim());
  if (!match) return undefined;
  const [, scheme, host, port] = match;
  const secure = scheme === 'https' || scheme === 'wss';
  const portNumber = port === undefined ? 8731 : Number(port);
  if (!host || portNumber < 1 || portNumber > 65535) return undefined;
  return `${secure ? 'https' : 'http'}://${host.toLowerCase()}:${portNumber}`;
}

/** The WebSocket address of the bridge at `baseUrl` (`http://host:port` → `ws://host:port/v1/ws`). */
export function webSocketUrl(baseUrl: string): string {
  return `${baseUrl.replace(/^http/, 'ws')}/v1/ws`;
}

function pick<T>(value: unknown, allowed: readonly T[], fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}

/** Stored settings made whole: unknown or damaged fields fall back to the defaults. */
export function normalizeSettings(value: unknown): Settings {
  const stored = (value && typeof value === 'object' ? value : {}) as Partial<Record<keyof Settings, unknown>>;
  const url = typeof stored.bridgeUrl === 'string' ? normalizeBridgeUrl(stored.bridgeUrl) : undefined;
  const model = typeof stored.model === 'string' && /^[a-z0-9][a-z0-9._-]{0,63}$/.test(stored.model) ? stored.model : DEFAULT_SETTINGS.model;
  return {
    bridgeUrl: url ?? DEFAULT_SETTINGS.bridgeUrl,
    engine: pick(stored.engine, ['auto', 'bridge', 'figma'] as const, DEFAULT_SETTINGS.engine),
    model,
    scale: pick(stored.scale, SCALES, DEFAULT_SETTINGS.scale),
    colorFix: pick(stored.colorFix, ['model', 'none', 'wavelet', 'adain'] as const, DEFAULT_SETTINGS.colorFix),
    placement: pick(stored.placement, ['in-place', 'beside'] as const, DEFAULT_SETTINGS.placement),
    oversize: pick(stored.oversize, ['cap', 'split'] as const, DEFAULT_SETTINGS.oversize),
  };
}
