/** Crash-safe file writes: a temporary file in the same folder, fsynced, then renamed over the target (and the folder fsynced). */
import { randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** File mode of the new file (default 0o644; the umask applies). */
  mode?: number;
  /** Flush the data and the folder entry to disk before resolving (default true). */
  fsync?: boolean;
}

/** A temporary name beside `path`, unique per process and call, that scans for the target's own name never match. */
export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.partial`);
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

/**
 * Writes `data` to `path` so that a crash or a full disk leaves either the old file or the new one, never a mix:
 * the bytes go to a temporary file in the same folder, which is fsynced and renamed over `path`.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const temporary = temporaryPathFor(path);
  const flush = options.fsync ?? true;
  const handle = await open(temporary, 'wx', options.mode ?? 0o644);
  try {
    await handle.writeFile(data);
    if (flush) await handle.sync();
    await handle.close();
    await rename(temporary, path);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw err;
  }
  if (flush) await fsyncDirectory(dirname(path));
}
