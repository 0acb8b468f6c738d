/** Frozen weights as graph inputs under call-specific prefixes, so one network can be evaluated many times in a graph. */
import type { WeightTensor } from '../../../models/nets/index.ts';
import type { FloatTensor } from './train-session.ts';

/** Weights by key. */
export type WeightMap = ReadonlyMap<string, WeightTensor>;

/** Collects (prefix, weights) bindings while a graph is built and turns them into feeds for the inputs it used. */
export class WeightFeeds {
  private readonly bindings: { prefix: string; weights: WeightMap }[] = [];
  private counter = 0;

  /** A fresh name prefix for one evaluation of a network whose frozen weights are `weights`. */
  bind(role: string, ...weights: WeightMap[]): string {
    const prefix = `${role}${this.counter++}.`;
    for (const w of weights) this.bindings.push({ prefix, weights: w });
    return prefix;
  }

  /** Binds weights under an exact prefix (e.g. the trainable copy), for inputs not fed as parameters. */
  bindPrefix(prefix: string, ...weights: WeightMap[]): void {
    for (const w of weights) this.bindings.push({ prefix, weights: w });
  }

  /** Feeds for every graph input that a binding provides (the same arrays, never copied). */
  feedsFor(inputNames: readonly string[], skip: ReadonlySet<string> = new Set()): Record<string, FloatTensor> {
    const wanted = new Set(inputNames.filter((n) => !skip.has(n)));
    const out: Record<string, FloatTensor> = {};
    for (const { prefix, weights } of this.bindings) {
      for (const [key, t] of weights) {
        const name = prefix + key;
        if (wanted.has(name)) out[name] = { dims: t.dims, data: t.data };
      }
    }
    return out;
  }
}
