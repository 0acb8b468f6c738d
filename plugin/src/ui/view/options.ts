/** The options: engine, model, scale, colour fix, placement and what to do over 4096 px; each change is saved at once. */
import { SCALES, type Settings } from '../../settings.ts';
import { activeEngineKind, IN_FIGMA_MODEL } from '../engine/index.ts';
import { isRunning, type UiState } from '../state.ts';
import { h } from './dom.ts';

/** What the options ask of the rest of the UI. */
export interface OptionsActions {
  change(settings: Partial<Settings>): void;
  /** The model picker is being opened: a chance to fetch the bridge's current list. */
  openModels?(): void;
}

type Choice<T> = readonly [value: T, label: string, title?: string][];

function segmented<T extends string | number>(name: string, choices: Choice<T>, pick: (value: T) => void) {
  const buttons = choices.map(([value, label, title]) => h('button', {
    class: 'segment', text: label, attrs: { type: 'button', role: 'radio', title: title ?? label }, on: { click: () => pick(value) },
  }));
  const element = h('div', { class: 'segmented', attrs: { role: 'radiogroup', 'aria-label': name } }, ...buttons);
  const update = (value: T, disabled: boolean) => {
    buttons.forEach((b, i) => {
      const on = choices[i]![0] === value;
      b.classList.toggle('selected', on);
      b.setAttribute('aria-checked', String(on));
      b.disabled = disabled;
    });
  };
  return { element, update };
}

function row(label: string, control: HTMLElement): HTMLElement {
  return h('div', { class: 'field' }, h('span', { class: 'field-label', text: label }), control);
}

const ENGINES: Choice<Settings['engine']> = [
  ['auto', 'Auto', 'The bridge when it is connected, else in Figma'],
  ['bridge', 'Bridge', 'Only the bridge (npx tsdsr serve): every model, GPUs'],
  ['figma', 'In Figma', 'Only in Figma, with the built-in model: nothing to install'],
];
/** The model list while the in-Figma engine runs: its one built-in model. */
const IN_FIGMA_MODELS = Object.freeze([{ id: IN_FIGMA_MODEL, name: 'TSD-SR Fast (built in)', colorFix: 'wavelet' as const }]);

const PLACEMENTS: Choice<Settings['placement']> = [
  ['in-place', 'Replace', 'Put the result in place of the layer'],
  ['beside', 'Add beside', 'Add the result as a new layer next to the original'],
];
const OVERSIZE: Choice<Settings['oversize']> = [
  ['cap', 'Shrink to fit', 'Shrink results to Figma’s 4096 px limit'],
  ['split', 'Split in tiles', 'Keep every pixel, as a group of tiles'],
];

function select(label: string, onChange: (value: string) => void): HTMLSelectElement {
  const element = h('select', { class: 'select', attrs: { 'aria-label': label } });
  element.addEventListener('change', () => onChange(element.value));
  return element;
}

/** Builds the options panel; `update` reflects the state (models come from the bridge's hello). */
export function createOptions(actions: OptionsActions): { element: HTMLElement; update(state: UiState): void } {
  const engine = segmented('Engine', ENGINES, (value) => actions.change({ engine: value }));
  const model = select('Model', (value) => actions.change({ model: value }));
  for (const event of ['pointerdown', 'focus'] as const) model.addEventListener(event, () => actions.openModels?.());
  const colorFix = select('Colour fix', (value) => actions.change({ colorFix: value as Settings['colorFix'] }));
  const scale = segmented('Scale', SCALES.map((s) => [s, `${s}×`] as const), (value) => actions.change({ scale: value }));
  const placement = segmented('Placement', PLACEMENTS, (value) => actions.change({ placement: value }));
  const oversize = segmented('Over 4096 px', OVERSIZE, (value) => actions.change({ oversize: value }));
  const element = h('section', { class: 'options' }, row('Engine', engine.element), row('Model', model), row('Scale', scale.element), row('Colour fix', colorFix),
    row('Result', placement.element), row('Over 4096 px', oversize.element));
  let modelKey = '';

  return {
    element,
    update(state) {
      const { settings, connection } = state;
      const disabled = isRunning(state);
      const inFigma = activeEngineKind(state) === 'figma';
      const models = inFigma ? IN_FIGMA_MODELS : connection.kind === 'connected' ? connection.models : [];
      const shownModel = inFigma ? IN_FIGMA_MODEL : settings.model;
      const key = models.map((m) => m.id).join() + shownModel;
      if (key !== modelKey) {
        modelKey = key;
        const known = models.length > 0 ? models : [{ id: settings.model, name: settings.model, colorFix: 'none' as const }];
        model.replaceChildren(...known.map((m) => h('option', { text: m.name, attrs: { value: m.id } })));
      }
      model.value = shownModel;
      model.disabled = disabled || models.length <= (inFigma ? 1 : 0);
      const current = models.find((m) => m.id === shownModel);
      const fixes: [Settings['colorFix'], string][] = [
        ['model', `Model default${current ? ` (${current.colorFix})` : ''}`], ['none', 'None'], ['wavelet', 'Wavelet'], ['adain', 'AdaIN'],
      ];
      colorFix.replaceChildren(...fixes.map(([value, label]) => h('option', { text: label, attrs: { value } })));
      colorFix.value = settings.colorFix;
      colorFix.disabled = disabled;
      engine.update(settings.engine, disabled);
      scale.update(settings.scale, disabled);
      placement.update(settings.placement, disabled);
      oversize.update(settings.oversize, disabled);
    },
  };
}
