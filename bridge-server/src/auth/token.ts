/** The pairing token: created once per user (32 random bytes, base64url) in a file only the user can read. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

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
  const existing = await readToken(path);
  if (existing) {
    await tightenMode(path, log);
    return { token: existing, path, created: false };
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const token = generateToken();
  try {
    await writeFile(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const raced = await readToken(path);
    if (raced) return { token: raced, path, created: false };
    log(`token file ${path} did not hold a valid token; replacing it`);
    await writeFile(path, `${token}\n`, { mode: 0o600 });
  }
  await chmod(path, 0o600);
  return { token, path, created: true };
}

async function readToken(path: string): Promise<string | undefined> {
  try {
    const text = (await readFile(path, 'utf8')).trim();
    return TOKEN_PATTERN.test(text) ? text : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
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
