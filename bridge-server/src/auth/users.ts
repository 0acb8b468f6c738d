/** Named users of a shared bridge: a JSON file beside the pairing token holding each user's name, creation date and a SHA-256 hash of their token (never the token). */
import { createHash, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../../../models/io/index.ts';
import { generateToken } from './token.ts';

/** The identity of whoever holds the pairing token (the one-person setup has only this user). */
export const OWNER = 'owner';

/** One user as stored: the token itself is never kept, only its hash. */
export interface UserRecord {
  name: string;
  /** SHA-256 of the token, hex. A token is 256 random bits, so a fast hash is as good as a slow one here. */
  tokenSha256: string;
  /** ISO date the token was made. */
  created: string;
}

interface UsersFile {
  version: 1;
  users: UserRecord[];
}

const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const HASH_PATTERN = /^[0-9a-f]{64}$/;

/** Why a user name is not acceptable (undefined: it is fine). Names are lower-case letters, digits, `.`, `_`, `-`. */
export function userNameProblem(name: string): string | undefined {
  if (name === OWNER) return `'${OWNER}' is the pairing token's user; pick another name`;
  if (!NAME_PATTERN.test(name)) return `'${name}' is not a user name: use 1-64 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit`;
  return undefined;
}

/** The hash stored for a token. */
export function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

function isUserRecord(value: unknown): value is UserRecord {
  const record = value as Partial<UserRecord> | null;
  return typeof record === 'object' && record !== null && typeof record.name === 'string' && NAME_PATTERN.test(record.name)
    && typeof record.tokenSha256 === 'string' && HASH_PATTERN.test(record.tokenSha256) && typeof record.created === 'string';
}

/** Reads the users file; an empty list when it is missing. Throws when it exists but is not a users file (a bridge must not guess). */
export async function readUsers(path: string): Promise<UserRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const parsed = JSON.parse(text) as Partial<UsersFile>;
  if (parsed.version !== 1 || !Array.isArray(parsed.users) || !parsed.users.every(isUserRecord)) {
    throw new Error(`${path} is not a tsdsr users file`);
  }
  return parsed.users;
}

async function writeUsers(path: string, users: readonly UserRecord[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const file: UsersFile = { version: 1, users: [...users] };
  await writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
}

/** Adds a user with a fresh token and returns the token (shown once; only its hash is stored). Throws when the name is taken or invalid. */
export async function addUser(path: string, name: string, now: Date = new Date()): Promise<string> {
  const problem = userNameProblem(name);
  if (problem) throw new Error(problem);
  const users = await readUsers(path);
  if (users.some((user) => user.name === name)) throw new Error(`user '${name}' already exists (revoke it first to give them a new token)`);
  const token = generateToken();
  await writeUsers(path, [...users, { name, tokenSha256: tokenHash(token).toString('hex'), created: now.toISOString() }]);
  return token;
}

/** Removes a user, so their token is refused from then on; false when there was no such user. */
export async function revokeUser(path: string, name: string): Promise<boolean> {
  const users = await readUsers(path);
  const kept = users.filter((user) => user.name !== name);
  if (kept.length === users.length) return false;
  await writeUsers(path, kept);
  return true;
}

/** The user whose token hash matches the presented token's, comparing every entry in constant time; undefined when none does. */
export function findUser(users: readonly UserRecord[], presented: string): string | undefined {
  const hash = tokenHash(presented);
  let found: string | undefined;
  for (const user of users) {
    if (timingSafeEqual(hash, Buffer.from(user.tokenSha256, 'hex')) && found === undefined) found = user.name;
  }
  return found;
}
