/**
 * Crash-safe folder writes (a model directory): the files go into a temporary sibling folder, are fsynced, and the
 * folder is renamed into place, the old one moved aside first and removed after. A crash leaves the old folder, the
 * new one, or (between the two renames) the old one under its "previous" name, which the next write puts back.
 */
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fsyncDirectory, fsyncFile, removeStaleTemporaries, temporaryPathFor } from './atomic-write.ts';

/** Options of {@link writeDirectoryAtomic}. */
export interface DirectoryWriteOptions {
  /** Whether an existing folder holding these entries may be replaced (default: only an empty one). */
  mayReplace?: (entries: readonly string[]) => boolean;
}

/** Where {@link writeDirectoryAtomic} keeps the old folder while it swaps the new one in: `.<name>.previous` beside it. */
export function previousPathFor(dir: string): string {
  return join(dirname(dir), `.${basename(dir)}.previous`);
}

const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);

/**
 * Finishes what a crash interrupted around `dir`: puts the old folder back when a swap stopped between its two renames,
 * removes the old copy when it stopped after them, and removes temporary folders of writers that no longer run.
 * Returns what it did, for a log line, or null when there was nothing to do.
 */
export async function recoverDirectory(dir: string): Promise<string | null> {
  const previous = previousPathFor(dir);
  const done: string[] = [];
  if (await exists(previous)) {
    if (await exists(dir)) {
      await rm(previous, { recursive: true, force: true });
      done.push(`removed ${previous}, left by a completed write`);
    } else {
      await rename(previous, dir);
      done.push(`restored ${dir} from ${previous}, left by an interrupted write`);
    }
  }
  const stale = (await removeStaleTemporaries(dirname(dir))).filter((name) => name.startsWith(`.${basename(dir)}.`));
  if (stale.length > 0) done.push(`removed unfinished ${stale.join(', ')}`);
  return done.length > 0 ? done.join('; ') : null;
}

/** The entries of a folder, or null when there is none. */
async function entriesOf(dir: string): Promise<string[] | null> {
  return readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
}

/** Flushes every file and folder under `dir` to disk. */
async function fsyncTree(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await fsyncTree(path);
    else if (entry.isFile()) await fsyncFile(path);
  }
  await fsyncDirectory(dir);
}

/** Renames the finished temporary folder to `dir`, moving an existing `dir` aside first and removing it after. */
async function swapIntoPlace(temporary: string, dir: string): Promise<void> {
  const previous = previousPathFor(dir);
  const replacing = await exists(dir);
  if (replacing) await rename(dir, previous);
  try {
    await rename(temporary, dir);
  } catch (err) {
    if (replacing) await rename(previous, dir);
    throw err;
  }
  await fsyncDirectory(dirname(dir));
  if (replacing) await rm(previous, { recursive: true, force: true });
}

/**
 * Writes a folder as a whole: `fill` writes into an empty temporary sibling, then that folder replaces `dir` (see the
 * file comment). An existing `dir` is replaced only when empty or `mayReplace` accepts its entries, checked before
 * `fill` runs; a failure anywhere (a full disk) removes the temporary folder and leaves `dir` as it was.
 */
export async function writeDirectoryAtomic<T>(dir: string, fill: (temporaryDir: string) => Promise<T>, options: DirectoryWriteOptions = {}): Promise<T> {
  await mkdir(dirname(dir), { recursive: true });
  await recoverDirectory(dir);
  const entries = await entriesOf(dir);
  if (entries && entries.length > 0 && !(options.mayReplace?.(entries) ?? false)) {
    throw new Error(`${dir} already holds ${entries.slice(0, 5).join(', ')}${entries.length > 5 ? ', …' : ''}; it is replaced only when empty`);
  }
  const temporary = temporaryPathFor(dir);
  await mkdir(temporary);
  try {
    const result = await fill(temporary);
    await fsyncTree(temporary);
    await swapIntoPlace(temporary, dir);
    return result;
  } catch (err) {
    await rm(temporary, { recursive: true, force: true });
    throw err;
  }
}
