/** Writing an exported model directory as a whole (writeDirectoryAtomic), replacing only a folder that holds a model's files. */
import { readdir } from 'node:fs/promises';
import { writeDirectoryAtomic } from '../../../models/io/index.ts';

/** Files an export writes (model.json, graphs, their external data): a folder of nothing else may be replaced by an export. */
export const isModelFile = (name: string): boolean => name === 'model.json' || name.endsWith('.onnx') || name.endsWith('.onnx.data');

/** Entries of `dir` an export would delete that it did not write (empty when the folder is new, empty or a model's). */
async function foreignEntries(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return [] as string[];
    throw err;
  });
  return names.filter((name) => !isModelFile(name));
}

/** Throws before a long run when its model could not be exported into `dir`: the folder holds other files, which an export would delete. */
export async function checkModelDirectory(dir: string): Promise<void> {
  const foreign = await foreignEntries(dir);
  if (foreign.length > 0) {
    throw new Error(`${dir} holds ${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', …' : ''}, not only a model's files; export into a new folder or a model's own (an export replaces the folder)`);
  }
}

/**
 * Writes a model directory: `fill` writes the files into a temporary sibling folder, which then replaces `dir`, so a
 * reader sees the old model or the new one (for an instant, none), never a part; refused when `dir` holds other files.
 */
export async function writeModelDirectory<T>(dir: string, fill: (temporaryDir: string) => Promise<T>): Promise<T> {
  await checkModelDirectory(dir);
  return writeDirectoryAtomic(dir, fill, { mayReplace: (entries) => entries.every(isModelFile) });
}
