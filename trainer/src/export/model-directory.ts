/** Writing an exported model directory as a whole (models/io writeModelDirectory), replacing only a folder that holds a model's files. */
import { foreignModelEntries, listedEntries, writeModelDirectory as writeWhole } from '../../../models/io/index.ts';

export { isModelFile } from '../../../models/io/index.ts';

/** Throws before a long run when its model could not be exported into `dir`: the folder holds other files, which an export would delete. */
export async function checkModelDirectory(dir: string): Promise<void> {
  const foreign = await foreignModelEntries(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOTDIR') throw new Error(`${dir} is a file; name a folder for the model`);
    throw err;
  });
  if (foreign.length > 0) {
    throw new Error(`${dir} holds ${listedEntries(foreign)}, not only a model's files; export into a new folder or a model's own (an export replaces the folder)`);
  }
}

/** Writes a model directory through `fill` (see models/io writeModelDirectory); refused when `dir` holds other files. */
export async function writeModelDirectory<T>(dir: string, fill: (temporaryDir: string) => Promise<T>): Promise<T> {
  await checkModelDirectory(dir);
  return writeWhole(dir, fill);
}
