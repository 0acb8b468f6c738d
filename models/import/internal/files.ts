/** Small file checks of the importer: a path that must exist, one that may, and JSON read with the file named in errors. */
import { access, readFile } from 'node:fs/promises';
import { ImportError } from '../errors.ts';

/** Whether a path exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** The path, or an ImportError saying it was not found and what it should have held. */
export async function need(path: string, what: string): Promise<string> {
  if (!(await exists(path))) throw new ImportError(`${path} not found: expected ${what}`);
  return path;
}

/** A JSON object read from a file that must exist. */
export async function readJson(path: string, what: string): Promise<Record<string, unknown>> {
  const text = await readFile(await need(path, what), 'utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ImportError(`${path}: not valid JSON (${(error as Error).message}); expected ${what}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ImportError(`${path}: expected a JSON object (${what})`);
  return value as Record<string, unknown>;
}
