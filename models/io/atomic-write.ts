/** Crash-safe file writes: a temporary file in the same folder, fsynced, then renamed over the target (and the folder fsynced). */
import { randomBytes } from 'node:crypto';
import { copyFile, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** File mode of the new file (default 0o644; the umask applies). */
  mode?: number;
  /** Flush the data and the folder entry to disk before resolving (default true). */
  fsync?: boolean;
}

/** `.<name>.<pid>.<8 hex>.partial`: what {@link temporaryPathFor} makes. */
const TEMPORARY_NAME = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.partial$/;

/** A temporary name beside `path`, unique per process and call, that scans for the target's own name never match. */
export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.partial`);
}

/** The target name and writing process of a {@link temporaryPathFor} name, or null for any other name. */
export function parseTemporaryName(name: string): { target: string; pid: number } | null {
  const match = TEMPORARY_NAME.exec(name);
  return match ? { target: match[1]!, pid: Number(match[2]) } : null;
}

/** Flushes a folder's entries (a rename inside it) to disk; a no-op where folders cannot be opened (Windows). */
export async function fsyncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM') throw err;
  } finally {
    await handle?.close();
  }
}

/** Flushes one file's data to disk. */
export async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `path` through `write` so that a crash or a full disk leaves either the old file or the new one, never a mix:
 * `write` fills a temporary file in the same folder (an open handle), which is fsynced and renamed over `path`; on any
 * error the temporary file is removed and the old file stays. Resolves with what `write` returned.
 */
export async function writeFileAtomicWith<T>(path: string, write: (handle: FileHandle) => Promise<T>, options: AtomicWriteOptions = {}): Promise<T> {
  const temporary = temporaryPathFor(path);
  const flush = options.fsync ?? true;
  const handle = await open(temporary, 'wx', options.mode ?? 0o644);
  let result: T;
  try {
    result = await write(handle);
    if (flush) await handle.sync();
    await handle.close();
    await rename(temporary, path);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw err;
  }
  if (flush) await fsyncDirectory(dirname(path));
  return result;
}

/** Writes `data` to `path` crash-safely (see {@link writeFileAtomicWith}). */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  await writeFileAtomicWith(path, (handle) => handle.writeFile(data), options);
}

/** Copies `source` to `target` like {@link writeFileAtomic}: a complete copy or the old target, never a part. */
export async function copyFileAtomic(source: string, target: string): Promise<void> {
  const temporary = temporaryPathFor(target);
  try {
    await copyFile(source, temporary);
    await fsyncFile(temporary);
    await rename(temporary, target);
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
  await fsyncDirectory(dirname(target));
}

/** Whether a process of this id is running (a temporary file of a dead one is a crash's leftover). */
function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the temporary files and folders that writers which died (SIGKILL, power loss) left in `dir`; returns their names. */
export async function removeStaleTemporaries(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const stale = names.filter((name) => {
    const parsed = parseTemporaryName(name);
    return parsed !== null && !isRunning(parsed.pid);
  });
  for (const name of stale) await rm(join(dir, name), { recursive: true, force: true });
  return stale;
}
