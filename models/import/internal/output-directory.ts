/**
 * The import's `--out` folder, written as a whole (models/io writeModelDirectory): the graphs and model.json go into a
 * hidden temporary sibling (`.<name>.<pid>.<hex>.partial`, same filesystem, so large external data is renamed, not
 * copied) that replaces `--out` only once complete. A model already there stays until then; a folder holding anything
 * else is refused, since replacing it would delete those files.
 */
import { foreignModelEntries, listedEntries, recoverDirectory } from '../../io/index.ts';
import { ImportError } from '../errors.ts';

/**
 * Finishes what an earlier import killed part-way left beside `dir` (its temporary folder, or the old model under
 * `.<name>.previous`), logging it, then throws an ImportError when `dir` holds files other than a model's. Cheap: run
 * it before the heavy work.
 */
export async function prepareOutputDirectory(dir: string, log: (message: string) => void): Promise<void> {
  const recovered = await recoverDirectory(dir);
  if (recovered) log(`cleaned up after an earlier import that stopped part-way: ${recovered}`);
  const foreign = await foreignModelEntries(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOTDIR') throw new ImportError(`--out ${dir} is a file; name a folder for the model`);
    throw err;
  });
  if (foreign.length > 0) {
    throw new ImportError(`--out ${dir} holds ${listedEntries(foreign)}, not only a model's files; import into a new folder or a model's own (an import replaces the whole folder)`);
  }
}
