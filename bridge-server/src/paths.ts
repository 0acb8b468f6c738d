/** Where the package, its shipped models and the user's configuration live on disk. */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (the folder holding package.json), found from this file rather than the working directory. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The folder of models shipped with the package. */
export const ZOO_DIR = join(PACKAGE_ROOT, 'models', 'zoo');

/** The package version from package.json. */
export const SERVER_VERSION: string = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** The user's configuration folder: $TSDSR_CONFIG_DIR, else $XDG_CONFIG_HOME/tsdsr, else ~/.config/tsdsr (%APPDATA%\tsdsr on Windows). */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TSDSR_CONFIG_DIR) return env.TSDSR_CONFIG_DIR;
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, 'tsdsr');
  if (process.platform === 'win32' && env.APPDATA) return join(env.APPDATA, 'tsdsr');
  return join(homedir(), '.config', 'tsdsr');
}

/** The user's own models folder inside the configuration folder. */
export function userModelsDir(dir: string = configDir()): string {
  return join(dir, 'models');
}

/** The pairing token file inside the configuration folder. */
export function tokenPath(dir: string = configDir()): string {
  return join(dir, 'token');
}

/** The users file (named tokens of a shared bridge, hashes only) inside the configuration folder. */
export function usersPath(dir: string = configDir()): string {
  return join(dir, 'users.json');
}

/**
 * Model folders in the order they are scanned, where an earlier one wins on a duplicate id: the folders named on the
 * command line (`--models`), then the user's models folder, then the shipped zoo. So a model trained or imported
 * under a shipped model's id (a retrained `tsdsr-fast`) is the one that runs, and the shipped one is skipped with a
 * warning that names both folders.
 */
export function modelRoots(dir: string = configDir(), extra: readonly string[] = []): string[] {
  return [...extra, userModelsDir(dir), ZOO_DIR];
}
