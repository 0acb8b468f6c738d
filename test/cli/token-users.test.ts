// tsdsr token add|list|revoke: a token is printed once and only its hash is stored (mode 0600); list never shows tokens.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tokenCommand } from '../../bridge-server/src/cli/token.ts';
import type { CliIO } from '../../bridge-server/src/cli/io.ts';
import { readUsers, tokenHash } from '../../bridge-server/src/auth/users.ts';
import { UsageError } from '../../bridge-server/src/cli/args.ts';
import { tempConfigDir } from '../bridge/helpers.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await tempConfigDir()));
afterEach(() => cleanup());

/** Runs `tsdsr token ...` with captured output; a port nothing listens on keeps the bridge notice quiet. */
async function token(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (l) => void out.push(l), err: (l) => void err.push(l), stderr: process.stderr, env: { TSDSR_CONFIG_DIR: dir } };
  const withPort = ['add', 'revoke'].includes(argv[0] ?? '') ? [...argv, '--port', '1'] : argv;
  return { code: await tokenCommand(withPort, io), out, err };
}

describe('tsdsr token add|list|revoke', () => {
  it('adds a user: prints a fresh 256-bit token once and stores only its SHA-256, in a 0600 file', async () => {
    const added = await token('add', 'alice');
    expect(added.code).toBe(0);
    expect(added.out).toHaveLength(1);
    const secret = added.out[0]!;
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    const path = join(dir, 'users.json');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const text = await readFile(path, 'utf8');
    expect(text).not.toContain(secret);
    const [alice] = await readUsers(path);
    expect(alice).toMatchObject({ name: 'alice', tokenSha256: tokenHash(secret).toString('hex') });
    expect(added.err.join('\n')).not.toContain(secret);
  });

  it('lists the owner and the users with their creation dates, never a token', async () => {
    const alice = (await token('add', 'alice')).out[0]!;
    const bob = (await token('add', 'bob')).out[0]!;
    const listed = await token('list');
    expect(listed.code).toBe(0);
    const text = listed.out.join('\n');
    expect(listed.out.slice(1).map((line) => line.split(/\s+/)[0])).toEqual(['owner', 'alice', 'bob']);
    expect(text).toMatch(/alice\s+\d{4}-\d\d-\d\dT/);
    expect(text).not.toContain(alice);
    expect(text).not.toContain(bob);
  });

  it('revokes a user, and says so when there is no such user', async () => {
    await token('add', 'alice');
    await token('add', 'bob');
    expect((await token('revoke', 'alice')).code).toBe(0);
    expect((await readUsers(join(dir, 'users.json'))).map((u) => u.name)).toEqual(['bob']);
    const missing = await token('revoke', 'alice');
    expect(missing.code).toBe(1);
    expect(missing.err.join()).toContain("no user 'alice'");
  });

  it('refuses a taken name, the reserved owner name, bad names and stray arguments', async () => {
    await token('add', 'alice');
    await expect(token('add', 'alice')).rejects.toThrow(/already exists/);
    await expect(token('add', 'owner')).rejects.toThrow(UsageError);
    await expect(token('add', 'Bad Name')).rejects.toThrow(UsageError);
    await expect(token('add')).rejects.toThrow(UsageError);
    await expect(token('list', 'x')).rejects.toThrow(UsageError);
    await expect(token('remove', 'alice')).rejects.toThrow(/unknown token action/);
    await expect(token('add', 'carol', '--rotate')).rejects.toThrow(UsageError);
  });

  it('leaves the pairing token as it was', async () => {
    const pairing = (await token()).out[0]!;
    await token('add', 'alice');
    expect((await token()).out[0]).toBe(pairing);
  });
});
