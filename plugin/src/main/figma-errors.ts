/**
 * Figma's errors in a designer's words. The Plugin API throws developer text ("in set_fills: Cannot write to internal
 * and read-only node"); the layer's row shows what happened and what to do next, and the raw text goes to the console.
 */
import { errorText } from './host.ts';

/** An error whose message is already written for the designer: shown as it is. */
export class DesignerFacingError extends Error {
  override name = 'DesignerFacingError';
}

/** What the plugin was doing when Figma failed: reading a layer, placing its result, or anything else (`plugin`). */
export type LayerStep = 'read' | 'place' | 'plugin';

/** Figma's error texts the plugin knows, matched in order, with what to tell the designer. */
const KNOWN_FIGMA_ERRORS: readonly [pattern: RegExp, words: string][] = Object.freeze([
  [/image is too large|too large/i,
    'Figma refused the result: it is over 4096 px a side. Pick “Shrink to fit” or “Split in tiles” under Over 4096 px, or a smaller scale.'],
  [/image type is unsupported|unsupported image|could not (decode|read) image/i,
    'Figma couldn’t open the upscaled image. Try again, or pick another model.'],
  [/instance/i,
    'This layer is inside a component instance, where Figma doesn’t allow new layers. Pick “Add beside”, or upscale the main component.'],
  [/does not exist|has been removed|node was removed|removed node/i,
    'The layer was deleted or moved while it was being upscaled. Select it again and press Upscale.'],
  [/font/i,
    'Figma needs this text layer’s font, which isn’t available. Install or enable the font, then try again.'],
  [/read-?only|cannot write|not editable|permission/i,
    'Figma doesn’t let plugins change this layer here (a library component or a view-only file?). Pick “Add beside”, or edit the original.'],
  [/out of memory|memory/i,
    'Figma ran out of memory. Try a smaller scale, or fewer layers at a time.'],
]);

const FALLBACK: Readonly<Record<LayerStep, string>> = Object.freeze({
  read: 'Figma couldn’t read this layer’s pixels. Try again; if it keeps failing, the plugin’s console (Plugins → Development → Show/Hide console) says why.',
  place: 'Figma couldn’t place the result. Try again; if it keeps failing, the plugin’s console (Plugins → Development → Show/Hide console) says why.',
  plugin: 'Something went wrong. Try again; if it keeps failing, the plugin’s console (Plugins → Development → Show/Hide console) says why.',
});

/** What to show in a layer's row for an error Figma threw at `step`; never Figma's raw text. */
export function figmaErrorWords(step: LayerStep, error: unknown): string {
  if (error instanceof DesignerFacingError) return error.message;
  const raw = errorText(error);
  return KNOWN_FIGMA_ERRORS.find(([pattern]) => pattern.test(raw))?.[1] ?? FALLBACK[step];
}

/** Logs Figma's raw error for whoever debugs the plugin (the console of Figma's plugin development tools). */
export function logFigmaError(step: LayerStep, what: string, error: unknown): void {
  const doing = step === 'read' ? `read "${what}"` : step === 'place' ? `place the result of "${what}"` : what;
  console.error(`tsdsr: couldn't ${doing}:`, error);
}
