/** Training roots: the only folders whose contents `POST /v1/train` may read, checked on real paths (no `..` or symlink escapes). */
import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { BridgeError } from '../errors.ts';

/** True when `path` is `root` or inside it (both absolute and normalised). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** Configured training roots, as given (resolved) and as real paths. */
export interface TrainingRoots {
  given: readonly string[];
  real: readonly string[];
}

/** Resolves the configured roots; each must exist and be a directory. */
export async function resolveRoots(dirs: readonly string[]): Promise<TrainingRoots> {
  const given = dirs.map((dir) => resolve(dir));
  const real: string[] = [];
  for (const dir of given) {
    const path = await realpath(dir);
    if (!(await stat(path)).isDirectory()) throw new Error(`training root ${dir} is not a directory`);
    real.push(path);
  }
  return { given, real };
}

/**
 * The real path of a requested folder, refused with `forbidden_path` unless its real path (symlinks resolved) lies
 * under a root's real path; `..` segments are refused outright; `bad_request` when relative or missing (a missing
 * path outside the roots is still `forbidden_path`, so nothing is learnt about folders outside). `field` names it.
 */
export async function checkTrainingPath(field: string, path: string, roots: TrainingRoots): Promise<string> {
  if (!isAbsolute(path)) throw new BridgeError('bad_request', `${field} must be an absolute path on the server's machine`);
  const forbidden = new BridgeError('forbidden_path', `${field} ${path} is outside the training roots of this server (see --train-root)`);
  if (path.split(/[\\/]/).includes('..')) throw forbidden;
  const lexical = resolve(path);
  const real = await realpath(lexical).catch(() => undefined);
  if (real === undefined) {
    if (![...roots.given, ...roots.real].some((root) => isInside(root, lexical))) throw forbidden;
    throw new BridgeError('bad_request', `${field} ${path}: no such directory`);
  }
  if (!roots.real.some((root) => isInside(root, real))) throw forbidden;
  if (!(await stat(real)).isDirectory()) throw new BridgeError('bad_request', `${field} ${path} is not a directory`);
  return real;
}
