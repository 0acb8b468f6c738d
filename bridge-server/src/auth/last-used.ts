/** When each named user's token was last accepted: kept in memory, written at most once a minute to a file beside the users file, for `tsdsr token list`. */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../../../models/io/index.ts';

/** How often recorded uses are written out. */
const FLUSH_INTERVAL_MS = 60_000;

/** The last-used file that goes with a users file. */
export function lastUsedPath(usersPath: string): string {
  return join(dirname(usersPath), 'users-last-used.json');
}

/** Reads the last-used file: user name → ISO date; empty when missing or unreadable (it is only informative). */
export async function readLastUsed(path: string): Promise<Record<string, string>> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  } catch {
    return {};
  }
}

/** Records uses in memory and writes them out now and then (and on close). */
export class LastUsedLog {
  readonly #pending = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();

  constructor(private readonly path: string, private readonly log: (message: string) => void = () => {}, private readonly now: () => Date = () => new Date()) {}

  /** Notes that the user's token was just accepted. */
  record(name: string): void {
    this.#pending.set(name, this.now().toISOString());
    this.#timer ??= setTimeout(() => void this.flush(), FLUSH_INTERVAL_MS).unref();
  }

  /** Writes the recorded uses, merged into the file's earlier ones. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.size === 0) return this.#writing;
    const uses = Object.fromEntries(this.#pending);
    this.#pending.clear();
    this.#writing = this.#writing.then(async () => {
      const merged = { ...(await readLastUsed(this.path)), ...uses };
      await writeFileAtomic(this.path, `${JSON.stringify(merged, null, 2)}\n`, { mode: 0o600 });
    }).catch((err: unknown) => this.log(`cannot write ${this.path}: ${(err as Error).message}`));
    return this.#writing;
  }
}
