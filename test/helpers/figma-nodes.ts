/** Fake Figma layers for the fake host: geometry (transforms, groups), fills, visibility, locking and the layer tree. */
import type { Constraints, ExportSettings, Paint, Rect, Transform } from '@figma/plugin-typings/plugin-api-standalone.js';
import { boundsOf, IDENTITY, multiply, translation } from '../../plugin/src/main/geometry.ts';
import { renderNodePng } from './figma-render.ts';

/** The node types the fake knows. */
export type FakeNodeType = 'PAGE' | 'FRAME' | 'GROUP' | 'RECTANGLE' | 'ELLIPSE' | 'VECTOR' | 'TEXT' | 'COMPONENT';

let nextId = 1;

/** A layer (or page) with the properties and methods the plugin uses, behaving like Figma's for those. */
export class FakeNode {
  readonly id: string;
  name: string;
  parent: FakeNode | null = null;
  readonly children: FakeNode[] = [];
  visible = true;
  locked = false;
  removed = false;
  fills: Paint[] = [];
  constraints: Constraints = { horizontal: 'MIN', vertical: 'MIN' };
  #width = 100;
  #height = 100;
  #transform: Transform = IDENTITY;
  /** Set by the host when this node becomes the page's selection; used by `selection`. */
  selection: FakeNode[] = [];

  constructor(readonly type: FakeNodeType, name = type.toLowerCase()) {
    this.id = `${nextId++}:${type === 'PAGE' ? 0 : 1}`;
    this.name = name;
  }

  /** The nearest ancestor that positions this node: groups are see-through, as in Figma. */
  get container(): FakeNode | null {
    let p = this.parent;
    while (p && p.type === 'GROUP') p = p.parent;
    return p;
  }

  get relativeTransform(): Transform {
    if (this.type !== 'GROUP') return this.#transform;
    const b = this.#childBounds();
    return translation(b.x, b.y);
  }
  set relativeTransform(t: Transform) {
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

  /** Moves the node to (x, y) of its container, rotated `rotation` degrees counter-clockwise. */
  place(x: number, y: number, rotation = 0): this {
    const r = (-rotation * Math.PI) / 180;
    this.#transform = [[Math.cos(r), -Math.sin(r), x], [Math.sin(r), Math.cos(r), y]];
    return this;
  }

  resize(width: number, height: number): void {
    if (width < 0.01 || height < 0.01) throw new Error('resize: size below 0.01');
    this.#width = width;
    this.#height = height;
  }

  insertChild(index: number, child: FakeNode): void {
    child.#detach();
    child.parent = this;
    this.children.splice(Math.max(0, Math.min(index, this.children.length)), 0, child);
  }

  appendChild(child: FakeNode): void {
    this.insertChild(this.children.length, child);
  }

  /** Adds children to an (empty) group; the fake's stand-in for figma.group's first step. */
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
    this.#detach();
    this.removed = true;
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
}

/** Creates a node from a spec and appends it to `parent`. */
export function createNode(type: FakeNodeType, parent: FakeNode, spec: NodeSpec = {}): FakeNode {
  const node = new FakeNode(type, spec.name);
  parent.appendChild(node);
  if (type !== 'GROUP') {
    node.resize(spec.width ?? 100, spec.height ?? 100);
    node.place(spec.x ?? 0, spec.y ?? 0, spec.rotation ?? 0);
  }
  node.fills = spec.fills ?? [];
  node.visible = spec.visible ?? true;
  node.locked = spec.locked ?? false;
  if (spec.constraints) node.constraints = spec.constraints;
  return node;
}

/** A solid fill from 0-255 RGB and an opacity. */
export function solid(r: number, g: number, b: number, opacity = 1): Paint {
  return { type: 'SOLID', color: { r: r / 255, g: g / 255, b: b / 255 }, opacity };
}
