/**
 * Where the benches keep what they measured: JSON under bench/results/ (git-ignored, absent on a fresh clone), its
 * folder made before the first write, each write whole (temp file + rename). Benches save after every row they
 * measure, so a failure later in a run loses nothing already measured.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** bench/results/, whatever the working directory. */
export const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));

/** The path of a file under bench/results/, the folder created if missing. */
export function resultsPath(file: string): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  return join(RESULTS_DIR, file);
}

/** Writes `data` as pretty JSON to `path` (its folder created if missing), replacing the whole file at once. */
export function writeResults(path: string, data: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(data, null, 2)}\n`);
  renameSync(temp, path);
}
