/** The pairing token: created once per user (32 random bytes, base64url) in a file only the user can read; rotated on request. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, link, mkdir, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fsyncDirectory, temporaryPathFor, writeFileAtomic } from '../../../models/io/index.ts';

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** True when a string has the form of a token (43 base64url characters). */
export function isTokenText(text: string): boolean {
  return TOKEN_PATTERN.test(text);
}

/** Generates a fresh token: 32 bytes from the OS random source, base64url without padding. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What loading the token found: the token, and whether this call created the file. */
export interface LoadedToken {
  token: string;
  path: string;
  created: boolean;
}

/** Reads the token file, creating it (mode 0600, folder 0700) when missing or unreadable as a token; tightens loose permissions. */
export async function loadOrCreateToken(path: string, log: (message: string) => void = () => {}): Promise<LoadedToken> {
  await removeStaleTemporaries(path);
  const existing = await readToken(path);
  if (existing) {
    await tightenMode(path, log);
    return { token: existing, path, created: false };
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const token = generateToken();
  if (!(await createExclusive(path, `${token}\n`))) {
    const raced = await readToken(path);
    if (raced) return { token: raced, path, created: false };
    log(`token file ${path} did not hold a valid token; replacing it`);
    await writeFileAtomic(path, `${token}\n`, { mode: 0o600 });
  }
  await chmod(path, 0o600);
  return { token, path, created: true };
}

/** Replaces the token with a new one (atomically: a crash leaves the old token or the new one); returns the new token. */
export async function rotateToken(path: string): Promise<string> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const token = generateToken();
  await writeFileAtomic(path, `${token}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
  return token;
}

/** Reads the token file; undefined when it is missing or does not hold a token. */
export async function readToken(path: string): Promise<string | undefined> {
  try {
    const text = (await readFile(path, 'utf8')).trim();
    return isTokenText(text) ? text : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Writes a complete, fsynced file at `path` only if none exists there (false when one does): a temporary file hard-linked into place. */
async function createExclusive(path: string, text: string): Promise<boolean> {
  const temporary = temporaryPathFor(path);
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
    await handle.close();
    await link(temporary, path);
    await fsyncDirectory(dirname(path));
    return true;
  } catch (err) {
    await handle.close().catch(() => undefined);
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await rm(temporary, { force: true });
  }
}

/** Removes temporary files a killed writer left beside the token file. */
async function removeStaleTemporaries(path: string): Promise<void> {
  const prefix = `.${basename(path)}.`;
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  for (const name of names) {
    if (name.startsWith(prefix) && name.endsWith('.partial')) await rm(join(dirname(path), name), { force: true });
  }
}

async function tightenMode(path: string, log: (message: string) => void): Promise<void> {
  if (process.platform === 'win32') return;
  const { mode } = await stat(path);
  if ((mode & 0o077) === 0) return;
  await chmod(path, 0o600);
  log(`token file ${path} was readable by others; its mode is now 0600`);
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/** Compares a presented token with the expected one in constant time (lengths are hidden by hashing both). */
export function tokensMatch(presented: string | undefined, expected: string): boolean {
  if (typeof presented !== 'string') return false;
  return timingSafeEqual(digest(presented), digest(expected));
}

/** Extracts the token from an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}
