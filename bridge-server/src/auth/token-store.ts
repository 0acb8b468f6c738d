/** The tokens a running bridge accepts: the pairing token and the named users' tokens, held in memory, reloaded when their files change, with listeners for a change. */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { LastUsedLog, lastUsedPath } from './last-used.ts';
import { readToken, tokensMatch } from './token.ts';
import { findUser, OWNER, readUsers, type UserRecord } from './users.ts';

/** Reads of an unreadable users file before giving up on it, and the pause between them. */
const USERS_READ_ATTEMPTS = 3;
const USERS_RETRY_MS = 100;

/** Holds the current pairing token and users; tells listeners when the token changes or users are revoked. */
export class TokenStore {
  #token: string;
  #users: readonly UserRecord[] = [];
  #watcher: FSWatcher | undefined;
  #reloading: Promise<boolean> = Promise.resolve(false);
  readonly #listeners = new Set<() => void>();
  readonly #revokeListeners = new Set<(names: ReadonlySet<string>) => void>();
  readonly #lastUsed: LastUsedLog | undefined;

  /**
   * `path`: the token file to reload from (none: the token never changes); `usersPath`: the users file (none: no named users).
   */
  constructor(token: string, private readonly path?: string, private readonly log: (message: string) => void = () => {}, private readonly usersPath?: string) {
    this.#token = token;
    this.#lastUsed = usersPath ? new LastUsedLog(lastUsedPath(usersPath), log) : undefined;
  }

  /** Who the presented token belongs to: `owner` for the pairing token, a user's name, or undefined (compared in constant time). */
  identify(presented: string | undefined): string | undefined {
    if (typeof presented !== 'string') return undefined;
    if (tokensMatch(presented, this.#token)) return OWNER;
    const user = findUser(this.#users, presented);
    if (user !== undefined) this.#lastUsed?.record(user);
    return user;
  }

  /** True when the presented token is the pairing token or a current user's token. */
  matches(presented: string | undefined): boolean {
    return this.identify(presented) !== undefined;
  }

  /** True when the presented token is the pairing token itself (the bridge's administrator). */
  isOwner(presented: string | undefined): boolean {
    return typeof presented === 'string' && tokensMatch(presented, this.#token);
  }

  /** True when some named user exists (the bridge is shared). */
  get shared(): boolean {
    return this.#users.length > 0;
  }

  /** Calls `listener` after each change of pairing token; returns a function that removes it. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Calls `listener` with the names of users whose tokens stopped being accepted; returns a function that removes it. */
  onRevoke(listener: (names: ReadonlySet<string>) => void): () => void {
    this.#revokeListeners.add(listener);
    return () => this.#revokeListeners.delete(listener);
  }

  /** Re-reads the token and users files; true when the token file held a new valid token, now the only pairing token accepted. Calls run one after another. */
  reload(): Promise<boolean> {
    const next = async (): Promise<boolean> => {
      const changed = await this.#reloadToken();
      await this.#reloadUsers();
      return changed;
    };
    this.#reloading = this.#reloading.then(next, next);
    return this.#reloading;
  }

  async #reloadToken(): Promise<boolean> {
    if (!this.path) return false;
    const token = await readToken(this.path).catch(() => undefined);
    if (!token || tokensMatch(token, this.#token)) return false;
    this.#token = token;
    this.log('the pairing token changed; the old token is refused from now on and open sessions were closed');
    for (const listener of this.#listeners) listener();
    return true;
  }

  async #reloadUsers(): Promise<void> {
    if (!this.usersPath) return;
    const users = await this.#readUsersSettled(this.usersPath);
    const previous = this.#users;
    this.#users = users;
    const kept = new Map(users.map((user) => [user.name, user.tokenSha256]));
    const revoked = new Set(previous.filter((user) => kept.get(user.name) !== user.tokenSha256).map((user) => user.name));
    if (revoked.size === 0) return;
    this.log(`user token(s) revoked: ${[...revoked].join(', ')}; refused from now on and their open sessions were closed`);
    for (const listener of this.#revokeListeners) listener(revoked);
  }

  /** Reads the users file, retrying briefly while it is unreadable (a copy still being written); fails closed: no users. */
  async #readUsersSettled(path: string): Promise<UserRecord[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await readUsers(path);
      } catch (err) {
        if (attempt < USERS_READ_ATTEMPTS) {
          await new Promise((resolve) => setTimeout(resolve, USERS_RETRY_MS));
          continue;
        }
        this.log(`cannot read the users file (${(err as Error).message}); no user token is accepted until it is fixed`);
        return [];
      }
    }
  }

  /** Watches the configuration folder and reloads when the token or users file is replaced or written. */
  watch(): void {
    const watched = [this.path, this.usersPath].filter((p): p is string => p !== undefined);
    if (watched.length === 0 || this.#watcher) return;
    const names = new Set(watched.map((p) => basename(p)));
    try {
      this.#watcher = watch(dirname(watched[0]!), { persistent: false }, (_event, changed) => {
        if (changed === null || names.has(changed)) void this.reload();
      });
      this.#watcher.on('error', (err) => this.log(`stopped watching the token files: ${err.message}`));
    } catch (err) {
      this.log(`cannot watch the token files (${(err as Error).message}); restart the bridge after rotating the token or revoking a user`);
    }
  }

  /** Stops watching and writes out when users were last seen. */
  async close(): Promise<void> {
    this.#watcher?.close();
    this.#watcher = undefined;
    await this.#lastUsed?.flush();
  }
}
