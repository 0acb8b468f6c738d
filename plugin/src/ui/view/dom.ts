/** Small DOM helpers: element creation, text with `code` spans, and the few icons the UI draws. */

type Child = Node | string | null | undefined | false;

/** Options of {@link h}. */
export interface ElementOptions {
  class?: string;
  text?: string;
  attrs?: Record<string, string>;
  on?: Partial<Record<keyof HTMLElementEventMap, (event: Event) => void>>;
}

/** Creates an element with classes, attributes, listeners and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, options: ElementOptions = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (options.class) element.className = options.class;
  if (options.text !== undefined) element.textContent = options.text;
  for (const [name, value] of Object.entries(options.attrs ?? {})) element.setAttribute(name, value);
  for (const [name, listener] of Object.entries(options.on ?? {})) element.addEventListener(name, listener);
  for (const child of children) if (child) element.append(child);
  return element;
}

/** Text where `backticked` parts become <code> (commands the user should type). */
export function richText(text: string): Node[] {
  return text.split('`').map((part, i) => (i % 2 === 1 ? h('code', { text: part }) : document.createTextNode(part)));
}

/** Replaces an element's children. */
export function setChildren(element: Element, ...children: Child[]): void {
  element.replaceChildren(...children.filter((c): c is Node | string => !!c));
}

const ICONS = Object.freeze({
  close: 'M4.5 4.5l7 7m0-7l-7 7',
  check: 'M3.5 8.5l3 3 6-7',
  alert: 'M8 3.5v5.5m0 2.5v.5',
  minus: 'M4.5 8h7',
  edit: 'M10.5 3.5l2 2-6.5 6.5H4v-2z',
  image: 'M2.5 3.5h11v9h-11zM2.5 11l3.5-3.5 3 3 1.5-1.5 3 3M10.5 5.5v.01',
  frame: 'M5.5 2.5v11M10.5 2.5v11M2.5 5.5h11M2.5 10.5h11',
  group: 'M2.5 5.5v-3h3M10.5 2.5h3v3M13.5 10.5v3h-3M5.5 13.5h-3v-3',
  text: 'M3.5 3.5h9M8 3.5v9',
  vector: 'M8 2.5l4.5 7.5L8 13.5 3.5 10zM8 2.5v6',
  component: 'M8 1.5l2.5 2.5L8 6.5 5.5 4zM8 9.5l2.5 2.5L8 14.5 5.5 12zM1.5 8L4 5.5 6.5 8 4 10.5zM9.5 8L12 5.5 14.5 8 12 10.5z',
  shape: 'M3.5 3.5h9v9h-9z',
  hidden: 'M2 8s2.5-4 6-4 6 4 6 4-2.5 4-6 4-6-4-6-4zM3 13L13 3',
});

/** The name of one of the UI's icons. */
export type IconName = keyof typeof ICONS;

/** A 16×16 stroked icon. */
export function icon(name: IconName): SVGSVGElement {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('width', '16');
  svg.setAttribute('height', '16');
  svg.setAttribute('aria-hidden', 'true');
  svg.classList.add('icon');
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', ICONS[name]);
  svg.append(path);
  return svg;
}
