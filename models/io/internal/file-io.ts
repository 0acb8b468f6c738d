/** Positional reads and appending writes on a file handle that always move the whole buffer or fail. */
import type { FileHandle } from 'node:fs/promises';

/** Largest single read or write; Node refuses 2 GiB or more in one call. */
const MAX_IO_BYTES = 1 << 30;

/** Reads exactly `target.length` bytes at `position`, looping over short reads; throws on end of file. */
export async function readExactly(handle: FileHandle, target: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < target.length) {
    const length = Math.min(target.length - done, MAX_IO_BYTES);
    const { bytesRead } = await handle.read(target, done, length, position + done);
    if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${position + done}`);
    done += bytesRead;
  }
}

/** Appends all of `bytes` at the handle's current position, looping over short writes. */
export async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const length = Math.min(bytes.length - done, MAX_IO_BYTES);
    const { bytesWritten } = await handle.write(bytes, done, length);
    done += bytesWritten;
  }
}
