/**
 * A fake `figma` for Node: the subset of the Plugin API the plugin uses, typed against @figma/plugin-typings, with
 * handles for tests (selection, messages both ways, notifications, undo commits, stored images and clientStorage).
 */
import { createHash } from 'node:crypto';
import type {
  BaseNode, ClientStorageAPI, FrameNode, GroupNode, Image, NotificationHandler, NotificationOptions, RectangleNode, ShowUIOptions,
} from '@figma/plugin-typings/plugin-api-standalone.js';
import type { PluginHost } from '../../plugin/src/main/host.ts';
import { pngSize } from '../../plugin/src/png.ts';
import { canvasStep, createNode, FakeNode, type FakeNodeType, type NodeSpec } from './figma-nodes.ts';

export { FakeNode, solid, type NodeSpec } from './figma-nodes.ts';

/** Figma's largest image side, enforced by the fake's createImage. */
export const FAKE_MAX_IMAGE_SIDE = 4096;

/** A stored image: its bytes and pixel size. */
export interface StoredImage {
  bytes: Uint8Array;
  width: number;
  height: number;
}

/** The fake host and what tests use to drive and inspect it. */
export interface FigmaHost {
  /** Pass this to the plugin as `figma`. */
  figma: PluginHost;
  page: FakeNode;
  images: Map<string, StoredImage>;
  /** Milliseconds an image's getBytesAsync and getSizeAsync take, by hash (a slow read); images not listed answer at once. */
  imageReadDelayMs: Map<string, number>;
  storage: Map<string, unknown>;
  notifications: { message: string; options?: NotificationOptions }[];
  /** Messages the plugin posted to its UI, in order. */
  toUi: unknown[];
  /** Called for every message the plugin posts to its UI (after it is recorded). */
  onUiMessage?: (message: unknown) => void;
  /** The HTML and options given to showUI. */
  shownUi?: { html: string; options?: ShowUIOptions };
  undoCommits(): number;
  /** Delivers a message from the UI to the plugin, as figma.ui.onmessage would. */
  sendToMain(message: unknown): void;
  /** Replaces the page's selection and fires `selectionchange`. */
  select(...nodes: FakeNode[]): void;
  /** Adds a node to `parent` (default: the page). */
  add(type: FakeNodeType, spec?: NodeSpec, parent?: FakeNode): FakeNode;
  /** Stores image bytes (as figma.createImage would) and returns the hash. */
  addImage(bytes: Uint8Array): string;
}

function storeImage(images: Map<string, StoredImage>, bytes: Uint8Array): Image {
  const size = pngSize(bytes);
  if (!size) throw new Error('the fake createImage only accepts PNG');
  if (size.width > FAKE_MAX_IMAGE_SIDE || size.height > FAKE_MAX_IMAGE_SIDE) throw new Error('Image is too large');
  const hash = createHash('sha1').update(bytes).digest('hex');
  images.set(hash, { bytes: new Uint8Array(bytes), ...size });
  return imageHandle(images, hash)!;
}

function imageHandle(images: Map<string, StoredImage>, hash: string, delaysMs?: Map<string, number>): Image | null {
  const stored = images.get(hash);
  if (!stored) return null;
  const wait = async () => {
    const ms = delaysMs?.get(hash) ?? 0;
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  };
  return {
    hash,
    getBytesAsync: async () => (await wait(), new Uint8Array(stored.bytes)),
    getSizeAsync: async () => (await wait(), { width: stored.width, height: stored.height }),
  };
}

function fakeStorage(storage: Map<string, unknown>): ClientStorageAPI {
  const clone = (value: unknown) => (value === undefined ? undefined : structuredClone(value));
  return {
    getAsync: async (key) => clone(storage.get(key)),
    setAsync: async (key, value) => void storage.set(key, clone(value)),
    deleteAsync: async (key) => void storage.delete(key),
    keysAsync: async () => [...storage.keys()],
  };
}

function findById(root: FakeNode, id: string): FakeNode | null {
  if (root.id === id) return root;
  for (const child of root.children) {
    const found = findById(child, id);
    if (found) return found;
  }
  return null;
}

function groupNodes(nodes: ReadonlyArray<BaseNode>, parent: FakeNode, index?: number): GroupNode {
  canvasStep('group');
  if (nodes.length === 0) throw new Error('figma.group needs at least one node');
  const group = new FakeNode('GROUP', 'Group');
  parent.insertChild(index ?? parent.children.length, group);
  group.adopt(nodes as unknown as FakeNode[]);
  return group as unknown as GroupNode;
}

/** A fresh fake host with one empty page. */
export function createFigmaHost(): FigmaHost {
  const page = new FakeNode('PAGE', 'Page 1');
  const listeners = new Map<string, (() => void)[]>();
  let onmessage: ((message: unknown) => void) | undefined;
  let undoCommits = 0;
  const host: FigmaHost = {
    figma: undefined as unknown as PluginHost,
    page,
    images: new Map(),
    imageReadDelayMs: new Map(),
    storage: new Map(),
    notifications: [],
    toUi: [],
    undoCommits: () => undoCommits,
    sendToMain: (message) => onmessage?.(structuredClone(message)),
    select(...nodes) {
      page.selection = nodes;
      for (const listener of listeners.get('selectionchange') ?? []) listener();
    },
    add: (type, spec, parent = page) => createNode(type, parent, spec),
    addImage: (bytes) => storeImage(host.images, bytes).hash,
  };
  const ui = {
    postMessage(message: unknown) {
      host.toUi.push(message);
      host.onUiMessage?.(structuredClone(message));
    },
    set onmessage(handler: ((message: unknown) => void) | undefined) { onmessage = handler; },
    get onmessage() { return onmessage; },
  };
  const figma: Omit<PluginHost, 'currentPage' | 'ui' | 'on' | 'createRectangle' | 'createFrame' | 'group'> = {
    showUI: (html: string, options?: ShowUIOptions) => void (host.shownUi = { html, ...(options ? { options } : {}) }),
    clientStorage: fakeStorage(host.storage),
    notify(message: string, options?: NotificationOptions): NotificationHandler {
      host.notifications.push({ message, ...(options ? { options } : {}) });
      return { cancel: () => {} };
    },
    commitUndo: () => void undoCommits++,
    createImage: (bytes: Uint8Array) => (canvasStep('createImage'), storeImage(host.images, bytes)),
    getImageByHash: (hash: string) => imageHandle(host.images, hash, host.imageReadDelayMs),
    getNodeByIdAsync: async (id: string) => findById(page, id) as unknown as BaseNode | null,
  };
  host.figma = {
    ...figma,
    get currentPage() { return page as unknown as PluginHost['currentPage']; },
    ui: ui as unknown as PluginHost['ui'],
    on: ((event: string, listener: () => void) => void listeners.set(event, [...(listeners.get(event) ?? []), listener])) as PluginHost['on'],
    createRectangle: () => (canvasStep('createRectangle'), createNode('RECTANGLE', page, { name: 'Rectangle' }) as unknown as RectangleNode),
    createFrame: () => (canvasStep('createFrame'), createNode('FRAME', page, { name: 'Frame', fills: [{ type: 'SOLID', color: { r: 1, g: 1, b: 1 } }] }) as unknown as FrameNode),
    group: (nodes, parent, index) => groupNodes(nodes, parent as unknown as FakeNode, index),
  } as PluginHost;
  return host;
}
