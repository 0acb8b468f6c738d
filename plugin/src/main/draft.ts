/**
 * Every placement is all-or-nothing: the nodes it creates and the properties it changes are recorded in a draft, and
 * when any step throws (insertChild into an instance, resize, a fill Figma refuses, ...) the draft is rolled back, so
 * the canvas is exactly as before. Figma puts a new node on the page the moment it is created, before it can be moved
 * where it belongs, which is why even a node that never got configured must be tracked.
 */
import type { SceneNode } from '../figma.ts';

/** The changes one placement has made so far. */
export class PlacementDraft {
  readonly #created: SceneNode[] = [];
  readonly #restores: (() => void)[] = [];

  /** Records a node this placement created; returns it. */
  created<T extends SceneNode>(node: T): T {
    this.#created.push(node);
    return node;
  }

  /** Sets `target[key]` to `value`, remembering the old value for a rollback. */
  set<T extends object, K extends keyof T>(target: T, key: K, value: T[K]): void {
    const old = target[key];
    target[key] = value;
    this.#restores.push(() => {
      target[key] = old;
    });
  }

  /** Tries `work` on a draft of its own: kept when it succeeds; when it throws, only its changes are undone and `fallback` runs. */
  attempt<T>(work: (draft: PlacementDraft) => T, fallback: () => T): T {
    const inner = new PlacementDraft();
    let result: T;
    try {
      result = work(inner);
    } catch {
      inner.rollback();
      return fallback();
    }
    this.#created.push(...inner.#created);
    this.#restores.push(...inner.#restores);
    return result;
  }

  /** Puts back every changed property and removes every created node, newest first; never throws. */
  rollback(): void {
    for (const restore of this.#restores.reverse()) {
      try {
        restore();
      } catch {
        // The node may be gone already; there is nothing left to put back.
      }
    }
    for (const node of this.#created.reverse()) {
      try {
        if (!node.removed) node.remove();
      } catch {
        // Already removed with a created parent (a group or frame holding it).
      }
    }
  }
}

/** Runs one placement: when `work` throws, everything it did is rolled back and the error is thrown on. */
export async function allOrNothing<T>(work: (draft: PlacementDraft) => Promise<T>): Promise<T> {
  const draft = new PlacementDraft();
  try {
    return await work(draft);
  } catch (error) {
    draft.rollback();
    throw error;
  }
}
