/** The token a running bridge accepts: held in memory, reloaded when its file changes (`tsdsr token --rotate`), with listeners for a change. */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { readToken, tokensMatch } from './token.ts';

/** Holds the current pairing token and tells listeners when it changes. */
export class TokenStore {
  #token: string;
  #watcher: FSWatcher | undefined;
  #reloading: Promise<boolean> = Promise.resolve(false);
  readonly #listeners = new Set<() => void>();

  /** `path`: the token file to reload from (none: the token never changes). */
  constructor(token: string, private readonly path?: string, private readonly log: (message: string) => void = () => {}) {
    this.#token = token;
  }

  /** True when the presented token is the current one (constant time). */
  matches(presented: string | undefined): boolean {
    return tokensMatch(presented, this.#token);
  }

  /** Calls `listener` after each change of token; returns a function that removes it. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Re-reads the token file; true when it held a new valid token, now the only one accepted. Calls run one after another. */
  reload(): Promise<boolean> {
    this.#reloading = this.#reloading.then(() => this.#reload(), () => this.#reload());
    return this.#reloading;
  }

  async #reload(): Promise<boolean> {
    if (!this.path) return false;
    const token = await readToken(this.path).catch(() => undefined);
    if (!token || tokensMatch(token, this.#token)) return false;
    this.#token = token;
    this.log('the pairing token changed; the old token is refused from now on and open sessions were closed');
    for (const listener of this.#listeners) listener();
    return true;
  }

  /** Watches the token file's folder and reloads when the file is replaced or written. */
  watch(): void {
    if (!this.path || this.#watcher) return;
    const name = basename(this.path);
    try {
      this.#watcher = watch(dirname(this.path), { persistent: false }, (_event, changed) => {
        if (changed === null || changed === name) void this.reload();
      });
      this.#watcher.on('error', (err) => this.log(`stopped watching the token file: ${err.message}`));
    } catch (err) {
      this.log(`cannot watch the token file (${(err as Error).message}); restart the bridge after rotating the token`);
    }
  }

  /** Stops watching. */
  close(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
  }
}
