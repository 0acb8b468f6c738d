/** The options: model, scale, colour fix, placement and what to do over 4096 px; each change is saved at once. */
import { SCALES, type Settings } from '../../settings.ts';
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
  const model = select('Model', (value) => actions.change({ model: value }));
  for (const event of ['pointerdown', 'focus'] as const) model.addEventListener(event, () => actions.openModels?.());
  const colorFix = select('Colour fix', (value) => actions.change({ colorFix: value as Settings['colorFix'] }));
  const scale = segmented('Scale', SCALES.map((s) => [s, `${s}×`] as const), (value) => actions.change({ scale: value }));
  const placement = segmented('Placement', PLACEMENTS, (value) => actions.change({ placement: value }));
  const oversize = segmented('Over 4096 px', OVERSIZE, (value) => actions.change({ oversize: value }));
  const element = h('section', { class: 'options' }, row('Model', model), row('Scale', scale.element), row('Colour fix', colorFix),
    row('Result', placement.element), row('Over 4096 px', oversize.element));
  let modelKey = '';

  return {
    element,
    update(state) {
      const { settings, connection } = state;
      const disabled = isRunning(state);
      const models = connection.kind === 'connected' ? connection.models : [];
      const key = models.map((m) => m.id).join() + settings.model;
      if (key !== modelKey) {
        modelKey = key;
        const known = models.length > 0 ? models : [{ id: settings.model, name: settings.model, colorFix: 'none' as const }];
        model.replaceChildren(...known.map((m) => h('option', { text: m.name, attrs: { value: m.id } })));
      }
      model.value = settings.model;
      model.disabled = disabled || models.length === 0;
      const current = models.find((m) => m.id === settings.model);
      const fixes: [Settings['colorFix'], string][] = [
        ['model', `Model default${current ? ` (${current.colorFix})` : ''}`], ['none', 'None'], ['wavelet', 'Wavelet'], ['adain', 'AdaIN'],
      ];
      colorFix.replaceChildren(...fixes.map(([value, label]) => h('option', { text: label, attrs: { value } })));
      colorFix.value = settings.colorFix;
      colorFix.disabled = disabled;
      scale.update(settings.scale, disabled);
      placement.update(settings.placement, disabled);
      oversize.update(settings.oversize, disabled);
    },
  };
}
