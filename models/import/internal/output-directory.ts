/**
 * The import's `--out` folder, written as a whole (models/io writeDirectoryAtomic): the graphs and model.json go into a
 * hidden temporary sibling (`.<name>.<pid>.<hex>.partial`, same filesystem, so large external data is renamed, not
 * copied) that replaces `--out` only once complete. A model already there stays until then; a folder holding anything
 * else is refused, since replacing it would delete those files.
 */
import { readdir } from 'node:fs/promises';
import { recoverDirectory, writeDirectoryAtomic } from '../../io/index.ts';
import { ImportError } from '../errors.ts';

/** Files an import writes (model.json, graphs, their external data): an `--out` holding nothing else may be replaced. */
export const isModelFile = (name: string): boolean => name === 'model.json' || name.endsWith('.onnx') || name.endsWith('.onnx.data');

/** Entries of `dir` that replacing it would delete and an import did not write (none when it is missing, empty or a model's). */
async function foreignEntries(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    if (err.code === 'ENOTDIR') throw new ImportError(`--out ${dir} is a file; name a folder for the model`);
    throw err;
  });
  return names.filter((name) => !isModelFile(name));
}

/**
 * Finishes what an earlier import killed part-way left beside `dir` (its temporary folder, or the old model under
 * `.<name>.previous`), logging it, then throws an ImportError when `dir` holds files other than a model's. Cheap: run
 * it before the heavy work.
 */
export async function prepareOutputDirectory(dir: string, log: (message: string) => void): Promise<void> {
  const recovered = await recoverDirectory(dir);
  if (recovered) log(`cleaned up after an earlier import that stopped part-way: ${recovered}`);
  const foreign = await foreignEntries(dir);
  if (foreign.length > 0) {
    const listed = `${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', …' : ''}`;
    throw new ImportError(`--out ${dir} holds ${listed}, not only a model's files; import into a new folder or a model's own (an import replaces the whole folder)`);
  }
}

/** Writes the model directory `dir` through `fill` (which writes into the temporary folder it is given); see the file comment. */
export async function writeOutputDirectory<T>(dir: string, fill: (temporaryDir: string) => Promise<T>): Promise<T> {
  return writeDirectoryAtomic(dir, fill, { mayReplace: (entries) => entries.every(isModelFile) });
}
