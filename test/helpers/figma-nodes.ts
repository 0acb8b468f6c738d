/**
 * Fake Figma layers for the fake host: geometry (transforms, groups, auto layout), fills and the look of a layer,
 * visibility, locking, instances (no new children inside one, as in Figma) and the layer tree. Every canvas change is
 * a named step a test can watch and make fail (see {@link failAt}).
 */
import type { BlendMode, Constraints, Effect, ExportSettings, Paint, Rect, Transform } from '@figma/plugin-typings/plugin-api-standalone.js';
import { boundsOf, IDENTITY, multiply, translation } from '../../plugin/src/main/geometry.ts';
import { renderNodePng } from './figma-render.ts';

/** The node types the fake knows. */
export type FakeNodeType =
  | 'PAGE' | 'FRAME' | 'GROUP' | 'RECTANGLE' | 'ELLIPSE' | 'VECTOR' | 'TEXT' | 'COMPONENT' | 'INSTANCE'
  | 'LINE' | 'STAR' | 'POLYGON' | 'BOOLEAN_OPERATION';

/** Figma's words when a plugin adds a child to an instance or to a layer inside one. */
export const INSIDE_INSTANCE_ERROR = 'Cannot move node. New parent is an instance or is inside of an instance';

/** The canvas changes made so far (`insertChild`, `fills`, `createImage`, ...), and the failures a test armed. */
export const canvasSteps: { log: string[]; armed: { step: string; left: number }[] } = { log: [], armed: [] };

let building = 0;

/** Records one canvas change; throws when a test armed a failure at it. Building a node (createNode) is one step. */
export function canvasStep(step: string): void {
  if (building > 0) return;
  canvasSteps.log.push(step);
  const armed = canvasSteps.armed.find((a) => a.step === step);
  if (!armed || --armed.left > 0) return;
  canvasSteps.armed.splice(canvasSteps.armed.indexOf(armed), 1);
  throw new Error(`injected failure at ${step}`);
}

/** Makes the `nth` next canvas change named `step` throw (once); several steps may be armed at a time. */
export function failAt(step: string, nth = 1): void {
  canvasSteps.armed.push({ step, left: nth });
}

let nextId = 1;

/** A layer (or page) with the properties and methods the plugin uses, behaving like Figma's for those. */
export class FakeNode {
  readonly id: string;
  parent: FakeNode | null = null;
  readonly children: FakeNode[] = [];
  locked = false;
  removed = false;
  opacity = 1;
  blendMode: BlendMode = 'PASS_THROUGH';
  effects: Effect[] = [];
  strokes: Paint[] = [];
  strokeWeight = 1;
  isMask = false;
  topLeftRadius = 0;
  topRightRadius = 0;
  bottomLeftRadius = 0;
  bottomRightRadius = 0;
  /** Auto layout (frames): children in the flow are laid out left to right or top to bottom. */
  layoutMode: 'NONE' | 'HORIZONTAL' | 'VERTICAL' = 'NONE';
  itemSpacing = 0;
  paddingLeft = 0;
  paddingTop = 0;
  #name: string;
  #fills: Paint[] = [];
  #visible = true;
  #constraints: Constraints = { horizontal: 'MIN', vertical: 'MIN' };
  #layoutPositioning: 'AUTO' | 'ABSOLUTE' = 'AUTO';
  #clipsContent = false;
  #width = 100;
  #height = 100;
  #transform: Transform = IDENTITY;
  /** Set by the host when this node becomes the page's selection; used by `selection`. */
  selection: FakeNode[] = [];

  constructor(readonly type: FakeNodeType, name = type.toLowerCase()) {
    this.id = `${nextId++}:${type === 'PAGE' ? 0 : 1}`;
    this.#name = name;
  }

  get name(): string { return this.#name; }
  set name(value: string) { canvasStep('name'); this.#name = value; }
  get fills(): Paint[] { return this.#fills; }
  set fills(value: Paint[]) { canvasStep('fills'); this.#fills = structuredClone([...value]); }
  get visible(): boolean { return this.#visible; }
  set visible(value: boolean) { canvasStep('visible'); this.#visible = value; }
  get constraints(): Constraints { return this.#constraints; }
  set constraints(value: Constraints) { canvasStep('constraints'); this.#constraints = { ...value }; }
  get clipsContent(): boolean { return this.#clipsContent; }
  set clipsContent(value: boolean) { canvasStep('clipsContent'); this.#clipsContent = value; }
  get cornerRadius(): number { return this.topLeftRadius; }
  set cornerRadius(value: number) {
    canvasStep('cornerRadius');
    this.topLeftRadius = this.topRightRadius = this.bottomLeftRadius = this.bottomRightRadius = value;
  }
  get layoutPositioning(): 'AUTO' | 'ABSOLUTE' { return this.#layoutPositioning; }
  set layoutPositioning(value: 'AUTO' | 'ABSOLUTE') {
    canvasStep('layoutPositioning');
    if (value === 'ABSOLUTE' && this.parent?.layoutMode === 'NONE') {
      throw new Error('Can only set layoutPositioning = ABSOLUTE if the parent node has layoutMode !== NONE');
    }
    this.#layoutPositioning = value;
  }

  /** The nearest ancestor that positions this node: groups are see-through, as in Figma. */
  get container(): FakeNode | null {
    let p = this.parent;
    while (p && p.type === 'GROUP') p = p.parent;
    return p;
  }

  /** True for an instance and every layer inside one. */
  get insideInstance(): boolean {
    if (this.type === 'INSTANCE') return true;
    for (let n = this.parent; n; n = n.parent) if (n.type === 'INSTANCE') return true;
    return false;
  }

  get relativeTransform(): Transform {
    if (this.type === 'GROUP') {
      const b = this.#childBounds();
      return translation(b.x, b.y);
    }
    const flow = this.parent ? this.parent.#flowPosition(this) : undefined;
    return flow ? translation(flow.x, flow.y) : this.#transform;
  }
  set relativeTransform(t: Transform) {
    canvasStep('relativeTransform');
    this.#transform = [[...t[0]], [...t[1]]] as Transform;
  }
  get absoluteTransform(): Transform {
    if (this.type === 'PAGE') return IDENTITY;
    return multiply(this.container?.absoluteTransform ?? IDENTITY, this.relativeTransform);
  }
  get x(): number { return this.relativeTransform[0][2]; }
  get y(): number { return this.relativeTransform[1][2]; }
  get width(): number { return this.type === 'GROUP' ? this.#childBounds().width : this.#width; }
  get height(): number { return this.type === 'GROUP' ? this.#childBounds().height : this.#height; }
  /** Rotation in degrees, counter-clockwise as in Figma. */
  get rotation(): number {
    const [[a], [b]] = this.relativeTransform;
    return (Math.atan2(-b!, a!) * 180) / Math.PI;
  }
  get absoluteBoundingBox(): Rect { return boundsOf(this.absoluteTransform, this.width, this.height); }
  get absoluteRenderBounds(): Rect | null { return this.visible ? this.absoluteBoundingBox : null; }

  /** Bounds of the children in the container's space (a group's own box). */
  #childBounds(): Rect {
    if (this.children.length === 0) return { x: 0, y: 0, width: 0, height: 0 };
    const boxes = this.children.map((c) => boundsOf(c.relativeTransform, c.width, c.height));
    const x = Math.min(...boxes.map((b) => b.x));
    const y = Math.min(...boxes.map((b) => b.y));
    return { x, y, width: Math.max(...boxes.map((b) => b.x + b.width)) - x, height: Math.max(...boxes.map((b) => b.y + b.height)) - y };
  }

  /** Where auto layout puts `child`, or undefined when it is not in the flow (no auto layout, absolute, hidden). */
  #flowPosition(child: FakeNode): { x: number; y: number } | undefined {
    const inFlow = (n: FakeNode) => n.#visible && n.#layoutPositioning === 'AUTO';
    if (this.layoutMode === 'NONE' || !inFlow(child)) return undefined;
    let along = this.layoutMode === 'HORIZONTAL' ? this.paddingLeft : this.paddingTop;
    for (const sibling of this.children) {
      if (sibling === child) break;
      if (inFlow(sibling)) along += (this.layoutMode === 'HORIZONTAL' ? sibling.width : sibling.height) + this.itemSpacing;
    }
    return this.layoutMode === 'HORIZONTAL' ? { x: along, y: this.paddingTop } : { x: this.paddingLeft, y: along };
  }

  /** Moves the node to (x, y) of its container, rotated `rotation` degrees counter-clockwise. */
  place(x: number, y: number, rotation = 0): this {
    const r = (-rotation * Math.PI) / 180;
    this.#transform = [[Math.cos(r), -Math.sin(r), x], [Math.sin(r), Math.cos(r), y]];
    return this;
  }

  resize(width: number, height: number): void {
    canvasStep('resize');
    if (width < 0.01 || height < 0.01) throw new Error('resize: size below 0.01');
    this.#width = width;
    this.#height = height;
  }

  insertChild(index: number, child: FakeNode): void {
    canvasStep('insertChild');
    if (this.insideInstance) throw new Error(INSIDE_INSTANCE_ERROR);
    child.#detach();
    child.parent = this;
    this.children.splice(Math.max(0, Math.min(index, this.children.length)), 0, child);
  }

  appendChild(child: FakeNode): void {
    this.insertChild(this.children.length, child);
  }

  /** Adds children at the end without any check (building scenes, and figma.group's first step). */
  adopt(children: FakeNode[]): void {
    for (const child of children) {
      child.#detach();
      child.parent = this;
      this.children.push(child);
    }
  }

  #detach(): void {
    if (!this.parent) return;
    const siblings = this.parent.children;
    siblings.splice(siblings.indexOf(this), 1);
    this.parent = null;
  }

  remove(): void {
    if (this.removed) throw new Error(`The node with id "${this.id}" has been deleted`);
    this.#detach();
    this.removed = true;
  }

  /** Duplicates the node and its children; as Figma documents, the duplicate is parented under the page. */
  clone(): FakeNode {
    canvasStep('clone');
    const copy = this.#duplicate();
    let page = this.parent;
    while (page?.parent) page = page.parent;
    page?.adopt([copy]);
    return copy;
  }

  #duplicate(): FakeNode {
    const copy = new FakeNode(this.type, this.#name);
    const { opacity, blendMode, strokeWeight, isMask, layoutMode, itemSpacing, paddingLeft, paddingTop, locked } = this;
    Object.assign(copy, { opacity, blendMode, strokeWeight, isMask, layoutMode, itemSpacing, paddingLeft, paddingTop, locked });
    Object.assign(copy, { topLeftRadius: this.topLeftRadius, topRightRadius: this.topRightRadius });
    Object.assign(copy, { bottomLeftRadius: this.bottomLeftRadius, bottomRightRadius: this.bottomRightRadius });
    copy.effects = structuredClone(this.effects);
    copy.strokes = structuredClone(this.strokes);
    copy.#fills = structuredClone(this.#fills);
    copy.#visible = this.#visible;
    copy.#constraints = { ...this.#constraints };
    copy.#clipsContent = this.#clipsContent;
    copy.#width = this.#width;
    copy.#height = this.#height;
    copy.#transform = this.relativeTransform;
    copy.adopt(this.children.map((child) => child.#duplicate()));
    return copy;
  }

  /** Renders the node to a real PNG (sharp) at the requested scale; only PNG exports are supported. */
  async exportAsync(settings?: ExportSettings): Promise<Uint8Array> {
    if (settings?.format !== 'PNG') throw new Error(`the fake only exports PNG, not ${settings?.format}`);
    const scale = settings.constraint?.type === 'SCALE' ? settings.constraint.value : 1;
    return renderNodePng(this, scale);
  }
}

/** What a test may say about a new node. */
export interface NodeSpec {
  name?: string;
  x?: number;
  y?: number;
  width?: number;
  height?: number;
  rotation?: number;
  fills?: Paint[];
  visible?: boolean;
  locked?: boolean;
  constraints?: Constraints;
  /** The look: set as given. */
  opacity?: number;
  blendMode?: BlendMode;
  effects?: Effect[];
  strokes?: Paint[];
  strokeWeight?: number;
  isMask?: boolean;
  cornerRadius?: number;
  topLeftRadius?: number;
  clipsContent?: boolean;
  layoutMode?: FakeNode['layoutMode'];
  itemSpacing?: number;
  layoutPositioning?: FakeNode['layoutPositioning'];
}

const LOOK_KEYS = [
  'opacity', 'blendMode', 'effects', 'strokes', 'strokeWeight', 'isMask', 'cornerRadius', 'topLeftRadius', 'clipsContent',
  'layoutMode', 'itemSpacing', 'layoutPositioning',
] as const;

/** Creates a node from a spec and appends it to `parent` (inside instances too: this is how scenes are built). */
export function createNode(type: FakeNodeType, parent: FakeNode, spec: NodeSpec = {}): FakeNode {
  building++;
  try {
    return buildNode(type, parent, spec);
  } finally {
    building--;
  }
}

function buildNode(type: FakeNodeType, parent: FakeNode, spec: NodeSpec): FakeNode {
  const node = new FakeNode(type, spec.name);
  parent.adopt([node]);
  if (type !== 'GROUP') {
    node.resize(spec.width ?? 100, spec.height ?? 100);
    node.place(spec.x ?? 0, spec.y ?? 0, spec.rotation ?? 0);
  }
  node.fills = spec.fills ?? [];
  node.visible = spec.visible ?? true;
  node.locked = spec.locked ?? false;
  if (spec.constraints) node.constraints = spec.constraints;
  for (const key of LOOK_KEYS) if (spec[key] !== undefined) Object.assign(node, { [key]: spec[key] });
  return node;
}

/** A solid fill from 0-255 RGB and an opacity. */
export function solid(r: number, g: number, b: number, opacity = 1): Paint {
  return { type: 'SOLID', color: { r: r / 255, g: g / 255, b: b / 255 }, opacity };
}
