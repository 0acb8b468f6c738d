/**
 * Which BLAS the PyTorch reference of bench/train-step.ts runs on. Debian's python3-torch calls whatever
 * `libblas.so.3` the alternatives system provides: the reference (netlib) BLAS unless OpenBLAS, BLIS or another
 * is installed. Matrix multiplies are most of a transformer step, so a comparison against netlib flatters ours:
 * the bench times torch on every installed BLAS (one at a time, through LD_LIBRARY_PATH, the system unchanged)
 * and compares against the fastest.
 */
import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { basename, dirname } from 'node:path';

/** A BLAS to run torch on: a folder holding a libblas.so.3, or null for whatever the system resolves. */
export interface BlasChoice {
  name: string;
  libraryDir: string | null;
}

const MULTIARCH: Readonly<Record<string, string>> = Object.freeze({ x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' });

/** The names a loaded library is reported under: Debian's folder names, `netlib` for the reference BLAS. */
export function blasName(libraryPath: string | null, configBlas: string | null): string {
  if (libraryPath === null) return `bundled (${configBlas ?? 'unknown'})`;
  if (/libmkl/.test(libraryPath)) return 'mkl';
  const dir = basename(dirname(libraryPath));
  return dir === 'blas' || dir === 'netlib' ? 'netlib' : dir;
}

/** Every libblas.so.3 the alternatives system knows (Debian), or just the system's when it knows none. */
export function installedBlas(): BlasChoice[] {
  const triplet = MULTIARCH[process.arch];
  if (process.platform !== 'linux' || triplet === undefined) return [{ name: 'system', libraryDir: null }];
  let listed: string[];
  try {
    listed = execFileSync('update-alternatives', ['--list', `libblas.so.3-${triplet}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').filter(Boolean);
  } catch {
    listed = [];
  }
  if (listed.length === 0) return [{ name: 'system', libraryDir: null }];
  return listed.map((path) => ({ name: blasName(path, null), libraryDir: dirname(path) }));
}

/** The BLAS a plain `python3` gets: where the system's libblas.so.3 resolves (Debian), or null when unknown. */
export function systemBlas(): string | null {
  const triplet = MULTIARCH[process.arch];
  if (process.platform !== 'linux' || triplet === undefined) return null;
  try {
    return blasName(realpathSync(`/usr/lib/${triplet}/libblas.so.3`), null);
  } catch {
    return null;
  }
}

/** The environment of a torch process on one BLAS: its folder first on LD_LIBRARY_PATH, its threads as ours. */
export function torchEnv(choice: BlasChoice, threads: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), BLIS_NUM_THREADS: String(threads) };
  // they force OpenBLAS's kernel choice and cache size; a value set for something else would skew the reference
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  if (choice.libraryDir !== null) env.LD_LIBRARY_PATH = [choice.libraryDir, env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  return env;
}

/** True for the reference BLAS, whose matrix multiply is several times slower than a tuned one. */
export const isReferenceBlas = (name: string): boolean => name === 'netlib';

/** How to get a tuned BLAS for torch on Debian, printed when only the reference one is there. */
export const REFERENCE_BLAS_WARNING = [
  'warning: PyTorch here runs on the reference (netlib) BLAS only: its matrix multiplies are several times slower than',
  'a tuned BLAS, so ours/torch in the table flatters ours. Install OpenBLAS (apt-get install -y libopenblas0-pthread) and rerun;',
  'the bench then times torch on every installed BLAS and compares against the fastest.',
].join('\n');
