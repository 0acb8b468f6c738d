/** Everything the UI says about problems, in plain words with the next step. Text in `backticks` is shown as code. */
import type { ErrorCode } from '../../../bridge-server/src/protocol/index.ts';
import { PROTOCOL_VERSION } from '../../../bridge-server/src/protocol/index.ts';
import { FIGMA_MAX_IMAGE_SIDE } from '../settings.ts';
import { PLUGIN_VERSION } from '../version.ts';
import { allowedAddressesText } from './allowed-addresses.ts';
import type { ConnectionState } from './state.ts';

/** A notice above the options: a title, what to do, and which action button to offer. */
export interface Notice {
  tone: 'error' | 'info';
  title: string;
  body: string;
  /** `use-default`: go back to the bridge's default address, with Retry now beside it. */
  action?: 'retry' | 'pair' | 'use-default';
  /** A line under the body, e.g. that layers are upscaled in Figma meanwhile. */
  note?: string;
}

function retryText(retryAt: number | undefined, now: number): string {
  if (retryAt === undefined) return '';
  const seconds = Math.max(0, Math.ceil((retryAt - now) / 1000));
  return seconds > 0 ? ` Retrying in ${seconds} s…` : ' Retrying…';
}

/** The notice for a connection state to the bridge at `bridgeUrl`, or undefined when all is well. */
export function connectionNotice(state: ConnectionState, bridgeUrl: string, now: number = Date.now()): Notice | undefined {
  const address = bridgeUrl.replace(/^https?:\/\//, '');
  switch (state.kind) {
    case 'unpaired':
      return { tone: 'info', title: 'Pair with the bridge', body: 'Run `npx tsdsr token` in a terminal and paste the token below.', action: 'pair' };
    case 'unauthorized':
      if (state.rotated) {
        return { tone: 'error', title: 'Bridge token changed', body: 'The bridge’s pairing token was replaced (`tsdsr token --rotate`). Run `npx tsdsr token` and paste the new token below.', action: 'pair' };
      }
      return { tone: 'error', title: 'Token not accepted', body: 'The bridge has a different token: run `npx tsdsr token` and paste it below.', action: 'pair' };
    case 'down':
      if (state.noAnswer) {
        return {
          tone: 'error', title: 'Bridge not answering', action: 'retry',
          body: `Something at \`${address}\` took the connection but didn’t answer. If it is the bridge, restart it with \`npx tsdsr serve\`.${retryText(state.retryAt, now)}`,
        };
      }
      return { tone: 'error', title: 'Bridge not running', body: `Start it with \`npx tsdsr serve\`.${retryText(state.retryAt, now)}`, action: 'retry' };
    case 'blocked':
      return {
        tone: 'error', title: 'Address not allowed by Figma', action: 'use-default',
        body: `Figma only lets the plugin reach the addresses in its manifest: ${allowedAddressesText()}. Switch to one of them, and start the bridge there with \`npx tsdsr serve\`.`,
      };
    case 'refused':
      return {
        tone: 'error', title: 'Connection refused', action: 'retry',
        body: `${state.message}${state.reasoned ? '' : ' Restart it with `npx tsdsr serve`.'}${retryText(state.retryAt, now)}`,
      };
    case 'incompatible':
      return { tone: 'error', title: 'Plugin and bridge don’t match', body: incompatibleText(state), action: 'retry' };
    default:
      return undefined;
  }
}

/** The notice for a run that did not start, with the main thread's reason. */
export function refusalNotice(reason: string): Notice {
  return { tone: 'info', title: 'Selection changed', body: reason };
}

function incompatibleText(state: Extract<ConnectionState, { kind: 'incompatible' }>): string {
  const bridge = state.serverVersion ? `the bridge (tsdsr ${state.serverVersion})` : 'the bridge';
  const speaks = state.serverProtocol !== undefined ? ` speaks protocol ${state.serverProtocol}` : ' speaks another protocol';
  const newer = state.serverProtocol !== undefined && state.serverProtocol < PROTOCOL_VERSION ? 'the bridge: `npm install -g tsdsr@latest`' : 'the plugin';
  return `This plugin (${PLUGIN_VERSION}) speaks bridge protocol ${PROTOCOL_VERSION}; ${bridge}${speaks}. Update ${newer}, then retry.`;
}

/** Why a layer failed in the in-Figma engine, for the progress list; a layer too large says the limit and points to the bridge. */
export function inFigmaErrorText(code: ErrorCode, message: string): string {
  switch (code) {
    case 'too_many_pixels':
      return `Too large to upscale in Figma: ${message}. Start the bridge (\`npx tsdsr serve\`) for larger layers.`;
    case 'bad_image':
      return `The plugin couldn't read this layer's pixels (${message}).`;
    default:
      return `Upscaling in Figma failed: ${message}`;
  }
}

/** A layer's preview note when it is over the in-Figma engine's limits (4.2 MP in, 16.8 MP out). */
export const IN_FIGMA_TOO_LARGE_TEXT = 'Too large to upscale in Figma (limit 16.8 MP result, 4.2 MP layer): start the bridge';

/** The line under a bridge notice while Auto upscales in Figma instead. */
export const IN_FIGMA_MEANWHILE_TEXT = 'Meanwhile the plugin upscales in Figma with its built-in model (TSD-SR Fast); the bridge adds bigger models and GPUs.';

/** Why a layer's job ended without a result, for the progress list. */
export function jobErrorText(code: ErrorCode, message: string): string {
  switch (code) {
    case 'cancelled':
      return 'The bridge stopped this layer before it finished (was it shut down?).';
    case 'too_many_pixels':
      return `Image too large for the bridge (${message}). Try a smaller scale or a smaller layer.`;
    case 'not_an_image':
    case 'bad_image':
      return `The bridge couldn't read this layer's pixels (${message}).`;
    case 'unknown_model':
      return 'The bridge doesn’t have this model any more. Pick another model and try again.';
    case 'queue_full':
      return 'The bridge is busy. Try again in a moment.';
    case 'unavailable':
      return 'The bridge is shutting down. Start it again with `npx tsdsr serve`.';
    case 'internal':
      return 'The bridge failed on this layer; its terminal says why.';
    default:
      return `The bridge refused this layer: ${message}`;
  }
}

/** Why a layer failed when its result could not be made ready for Figma (the browser's own error goes to the console). */
export const PREPARE_FAILED_TEXT =
  'The plugin couldn’t prepare this result for Figma (an image it can’t open, or too little memory). Try again, or a smaller scale.';

/** The warning for a result over Figma's image limit. */
export function oversizeText(width: number, height: number, shrunkTo: { width: number; height: number } | undefined, tiles: number): string {
  const over = `${width}×${height} px is over Figma’s ${FIGMA_MAX_IMAGE_SIDE} px limit`;
  return shrunkTo ? `${over}: shrunk to ${shrunkTo.width}×${shrunkTo.height}` : `${over}: split into ${tiles} tiles`;
}
