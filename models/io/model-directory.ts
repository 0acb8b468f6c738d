/** A model directory written as a whole (writeDirectoryAtomic) by the trainer's exports and the importer alike: only a folder of a model's files is ever replaced. */
import { readdir } from 'node:fs/promises';
import { writeDirectoryAtomic } from './atomic-directory.ts';

/** Files a model directory holds (model.json, graphs, their external data): a folder of nothing else may be replaced. */
export const isModelFile = (name: string): boolean => name === 'model.json' || name.endsWith('.onnx') || name.endsWith('.onnx.data');

/** Entries of `dir` that replacing it would delete and that are not a model's (none when it is missing, empty or a model's); throws ENOTDIR for a file. */
export async function foreignModelEntries(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  return names.filter((name) => !isModelFile(name));
}

/** The first few of `names`, for a message. */
export function listedEntries(names: readonly string[]): string {
  return `${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}`;
}

/**
 * Writes a model directory: `fill` writes the files into a temporary sibling folder, which then replaces `dir`, so a
 * reader sees the old model or the new one (for an instant, none), never a part. Callers check `dir` first
 * (foreignModelEntries) so they can refuse in their own words; a folder of other files is not replaced here either.
 */
export function writeModelDirectory<T>(dir: string, fill: (temporaryDir: string) => Promise<T>): Promise<T> {
  return writeDirectoryAtomic(dir, fill, { mayReplace: (entries) => entries.every(isModelFile) });
}
